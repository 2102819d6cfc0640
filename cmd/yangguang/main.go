// Command yangguang is the whole of Yangguang (阳光), the county Disabled
// Persons' Federation platform, in one binary: `yangguang serve`,
// `yangguang demo`, `yangguang user …` and the rest. `yangguang help`
// lists them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/yangguang-cdpf/yangguang/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
