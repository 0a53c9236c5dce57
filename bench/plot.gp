# bench/plot.gp — docs/benchmarks.png from bench/report.py's data files (dir, png, subtitle and direct set with -e):
# iperf3 throughput per tunnel (1 and 8 streams), CPU per MB of each tunnel's three processes (stacked), and each
# goal's ratio as a share of its target.
set terminal pngcairo size 1800,600 font "DejaVu Sans,11"
set output png
set multiplot layout 1,3 title "Portico benchmarks, one run on loopback (".subtitle.")" font ",13"
set style fill solid 0.85 border -1
set grid ytics
set xtics nomirror
set bmargin 9

set title "iperf3 throughput (".direct.")"
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9
set ylabel "Gbit/s"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set key top left
plot dir."/benchmarks-throughput.dat" using 2:xtic(1) title "1 stream" lc rgb "#3465a4", \
     "" using 3 title "8 streams" lc rgb "#73d216", \
     "" using ($0 - 1.0/6):2:(sprintf("%.2f", $2)) with labels offset 0,0.7 font ",9" notitle, \
     "" using ($0 + 1.0/6):3:(sprintf("%.2f", $3)) with labels offset 0,0.7 font ",9" notitle

set title "CPU per MB moved, one stream (lower is better)"
set style histogram rowstacked
set boxwidth 0.6
set ylabel "ms of CPU per MB"
set offsets 0, 0, graph 0.3, 0
set key top right
plot dir."/benchmarks-cpu.dat" using 2:xtic(1) title "first (inlet, socat hop 1, ssh -L)" lc rgb "#729fcf", \
     "" using 3 title "middle (hub, socat hop 2, sshd)" lc rgb "#f57900", \
     "" using 4 title "last (outlet, socat hop 3, ssh -R)" lc rgb "#ad7fa8", \
     "" using 0:($2 + $3 + $4):(sprintf("%.2f", $2 + $3 + $4)) with labels offset 0,0.7 font ",9" notitle

set title "Goals: share of the target reached (1 = met)"
unset key
set offsets 0, 0, 0, 0
set ylabel "ratio / target (for a ceiling: target / ratio)"
set yrange [0:1.6]
set xtics rotate by 25 right font ",9"
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lc rgb "#cc0000" dt 2 lw 2
set style data boxes
set boxwidth 0.5
set xrange [-0.6:5.6]
set rmargin 3
# Bars: green where the goal is met, orange where it is missed; above each, the ratio and its target.
plot dir."/benchmarks-goals.dat" using 0:($2 > 1.45 ? 1.45 : $2):($2 >= 1 ? 0x4e9a06 : 0xf57900):xtic(1) \
       with boxes lc rgb variable notitle, \
     "" using 0:($2 > 1.45 ? 1.45 : $2):(sprintf("%s\n%s", strcol(3), strcol(4))) with labels offset 0,1.3 font ",9" notitle
unset multiplot
