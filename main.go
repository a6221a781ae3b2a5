// Command tabiji is the Tabiji customer-journey engine: `tabiji dev` runs the
// whole stack on this machine; `tabiji api`, `tabiji worker` and `tabiji
// migrate` are the production processes.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tabiji/tabiji/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, cli.ErrUsage) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tabiji: "+err.Error())
		os.Exit(1)
	}
}
