# bench/plot.gp — docs/benchmarks.png from bench/report.py's data files (dir, png and subtitle set with -e):
# left, iperf3 throughput per path (1 and 8 streams); right, each goal's ratio as a share of its target.
set terminal pngcairo size 1400,560 font "DejaVu Sans,11"
set output png
set multiplot layout 1,2 title "Portico benchmarks, one run on loopback (".subtitle.")" font ",13"

set title "iperf3 throughput"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "Gbit/s"
set yrange [0:*]
set grid ytics
set key top left
set offsets 0, 0, graph 0.08, 0
set xtics nomirror
plot dir."/benchmarks-throughput.dat" using 2:xtic(1) title "1 stream" lc rgb "#3465a4", \
     "" using 3 title "8 streams" lc rgb "#73d216", \
     "" using ($0 - 1.0/6):2:(sprintf("%.2f", $2)) with labels offset 0,0.7 font ",9" notitle, \
     "" using ($0 + 1.0/6):3:(sprintf("%.2f", $3)) with labels offset 0,0.7 font ",9" notitle

set title "Goals: share of the target reached (1 = met)"
unset key
set ylabel "ratio / target (for a ceiling: target / ratio)"
set yrange [0:1.6]
set xtics rotate by -25 left font ",9"
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lc rgb "#cc0000" dt 2 lw 2
set bmargin 8
set offsets 0, 0, 0, 0
# Bars: green where the goal is met, orange where it is missed.
set style data boxes
set boxwidth 0.5
set xrange [-0.6:*]
plot dir."/benchmarks-goals.dat" using 0:($2 > 1.55 ? 1.55 : $2):($2 >= 1 ? 0x4e9a06 : 0xf57900):xtic(1) \
       with boxes lc rgb variable notitle, \
     "" using 0:($2 > 1.55 ? 1.55 : $2):3 with labels offset 0,0.7 font ",9" notitle
unset multiplot
