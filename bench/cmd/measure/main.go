// Command measure runs a command and prints the CPU time (user + system)
// and the peak memory (max RSS) it used, from the kernel's accounting,
// on stderr:
//
//	measure [-label L] -- CMD ARGS...
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	label := flag.String("label", "", "what to call the command in the output")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "measure: no command")
		os.Exit(2)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "measure: no resource usage")
		os.Exit(1)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	name := *label
	if name == "" {
		name = args[0]
	}
	fmt.Fprintf(os.Stderr, "measure: %s: cpu %.3fs wall %.3fs maxrss %.1f MiB\n", name, cpu.Seconds(), wall.Seconds(), float64(ru.Maxrss)/1024)
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}
