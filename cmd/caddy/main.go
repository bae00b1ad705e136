// Command caddy is Caddy with the cookie_consent handler and the
// cookie-consent subcommands built in.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/consentgate/consentgate/caddymodule"
)

func main() {
	caddycmd.Main()
}
