// Command phone is a stand-in for Duo Mobile, for the local stack, tests
// and people trying the service out:
//
//	phone [flags] activate <QR.png | barcode | https://host/activate/CODE>
//	phone [flags] list
//	phone [flags] pending
//	phone [flags] approve [--urgid U] [--code N] [--wait 30s]
//	phone [flags] deny [--urgid U] [--wait 30s]
//	phone [flags] passcode
//	phone [flags] register --token T
//	phone [flags] info
//	phone [flags] forget
//
// Flags, before or after the command:
//
//	--state FILE     the phone's key and credentials (default $PHONE_STATE, else .local/phone.json)
//	--ca FILE        also trust this CA (the local stack's .local/tls/ca.pem)
//	--base-url URL   send requests here (e.g. http://127.0.0.1:3000), signing against the barcode's host
//	--cred SEL       which credential: pkey or admin email (needed when the phone holds several admins)
//	--json           print JSON
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"push-reactivation/infra/phone"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// --help: the usage is printed.
	case err != nil:
		fmt.Fprintln(os.Stderr, "phone:", strings.TrimPrefix(err.Error(), "phone: "))
		os.Exit(1)
	}
}

type options struct {
	state, ca, baseURL, cred string
	json                     bool
	// command flags
	urgid, code, token string
	wait               time.Duration
}

func defaultState() string {
	if s := os.Getenv("PHONE_STATE"); s != "" {
		return s
	}
	return ".local/phone.json"
}

// parse reads flags wherever they appear among the arguments and returns
// the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("phone", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.state, "state", defaultState(), "state file (key and credentials)")
	fs.StringVar(&o.ca, "ca", "", "PEM file of a CA to trust")
	fs.StringVar(&o.baseURL, "base-url", "", "send requests to this scheme://host[:port]")
	fs.StringVar(&o.cred, "cred", "", "credential: pkey or admin email")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.StringVar(&o.urgid, "urgid", "", "approve/deny: the push to answer (default: the newest)")
	fs.StringVar(&o.code, "code", "", "approve: the verified push code shown on the login screen")
	fs.StringVar(&o.token, "token", "", "register: the push token")
	fs.DurationVar(&o.wait, "wait", 0, "pending/approve/deny: wait this long for a push")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: phone [flags] activate INPUT | list | pending | approve | deny | passcode | register --token T | info | forget")
		fs.PrintDefaults()
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errors.New("no command")
	}
	cmd, rest := pos[0], pos[1:]

	client, err := phone.HTTPClient(o.ca)
	if err != nil {
		return err
	}
	opts := []phone.Option{phone.WithHTTPClient(client)}
	if o.baseURL != "" {
		opts = append(opts, phone.WithBaseURL(o.baseURL))
	}
	p, err := phone.Load(o.state, opts...)
	if err != nil {
		return err
	}
	show := func(v any, text string) error {
		if o.json {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
		_, err := fmt.Fprint(out, text)
		return err
	}

	switch cmd {
	case "activate":
		if len(rest) != 1 {
			return errors.New("activate takes one argument: a QR PNG file, a barcode or an activation link")
		}
		c, err := p.Activate(ctx, rest[0])
		if err != nil {
			return err
		}
		return show(c, fmt.Sprintf("activated %s for %s at %s (%s)\n", c.PKey, orUnknown(c.AdminEmail), c.CustomerName, c.Host))
	case "list":
		cs := p.Credentials()
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "%s  %-28s %-20s %s  activated %s\n", c.PKey, orUnknown(c.AdminEmail), c.CustomerName, c.Host, c.ActivatedAt.Format(time.RFC3339))
		}
		if len(cs) == 0 {
			b.WriteString("no credentials\n")
		}
		return show(cs, b.String())
	case "pending":
		txs, err := pending(ctx, p, o)
		if err != nil {
			return err
		}
		return show(txs, describe(txs))
	case "approve", "deny":
		if o.wait > 0 && o.urgid == "" {
			if _, err := pending(ctx, p, o); err != nil {
				return err
			}
		}
		status, err := p.Answer(ctx, o.cred, o.urgid, cmd == "approve", o.code)
		if err != nil {
			return err
		}
		return show(map[string]string{"status": status}, status+"\n")
	case "passcode":
		code, err := p.Passcode(o.cred)
		if err != nil {
			return err
		}
		return show(map[string]string{"passcode": code}, code+"\n")
	case "register":
		if o.token == "" {
			return errors.New("register needs --token")
		}
		if err := p.Register(ctx, o.cred, o.token); err != nil {
			return err
		}
		return show(map[string]bool{"registered": true}, "registered\n")
	case "info":
		info, err := p.Info(ctx, o.cred)
		if err != nil {
			return err
		}
		return show(info, fmt.Sprintf("%s %s: %s <%s> at %s, %s %s %s, activated %s, push token registered: %v\n",
			info.PKey, info.Status, info.AdminName, info.AdminEmail, info.CustomerName, info.Platform, info.Model, info.AppVersion,
			info.ActivatedAt.Format(time.RFC3339), info.PushTokenRegistered))
	case "forget":
		if err := p.Forget(o.cred); err != nil {
			return err
		}
		return show(map[string]bool{"forgotten": true}, "forgotten\n")
	}
	fs.Usage()
	return fmt.Errorf("unknown command %q", cmd)
}

// pending lists pushes, waiting up to --wait for one to arrive.
func pending(ctx context.Context, p *phone.Phone, o options) ([]phone.Transaction, error) {
	if o.wait <= 0 {
		return p.Pending(ctx, o.cred)
	}
	ctx, cancel := context.WithTimeout(ctx, o.wait)
	defer cancel()
	return p.WaitPending(ctx, o.cred, time.Second)
}

func describe(txs []phone.Transaction) string {
	if len(txs) == 0 {
		return "no pending pushes\n"
	}
	var b strings.Builder
	for _, t := range txs {
		fmt.Fprintf(&b, "%s  %s (expires %s)\n", t.URGID, t.Summary, time.Unix(t.Expiration, 0).UTC().Format(time.RFC3339))
		for _, a := range t.Attributes {
			fmt.Fprintf(&b, "    %-12s %s\n", a[0]+":", a[1])
		}
		if t.RequiresVerificationCode {
			fmt.Fprintf(&b, "    approve with --code <the %d digits shown on the login screen>\n", t.VerificationCodeLength)
		}
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown admin)"
	}
	return s
}
