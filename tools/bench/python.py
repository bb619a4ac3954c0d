# The python workload, run as `python3 -c CODE` with this file as CODE: its
# first statement reads the clock, so the figures stop where `-c pass` would.
import os, time

now = time.clock_gettime(time.CLOCK_BOOTTIME)
# proc(5): field 22 of /proc/self/stat is the process's start time after
# boot, in clock ticks; the fields after comm (2, which may hold spaces and
# parentheses) start with state (3), so starttime is the 20th of them.
fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
start = int(fields[19]) / os.sysconf("SC_CLK_TCK")
print("sole-bench python_startup %.1f ms" % ((now - start) * 1e3))
print("sole-bench python_ready %.1f ms" % (now * 1e3))
