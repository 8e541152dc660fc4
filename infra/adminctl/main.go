// Command adminctl provisions the service's table: accounts, administrators
// and account policies, against the local stack or AWS. It uses the
// standard AWS SDK configuration (profile, region, credentials) and the
// table named by --table or TABLE_NAME; point it at the local stack with
// AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000.
//
//	adminctl create-table
//	adminctl create-account --id acme --name "Acme Corp" [--kind standard|msp_parent|child --parent ID]
//	adminctl create-admin --account acme --email a@acme.example --name "A" --role owner --phone +15555550100 < password
//	adminctl set-policy --account acme --factors push,sms,phone,passcode --verified-push-length 3
//	adminctl list-admins --account acme
//	adminctl reencrypt [--all]                      (KMS_KEY_ID, docs/security/kms.md)
//	adminctl seal-hash-key [--rewrap < sealed-key]  (prints CODE_HASH_KEY_SEALED)
//
// Passwords are read from the first line of stdin, never from a flag (flags
// end up in shell history and process listings), and hashed with argon2id.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"push-reactivation/shared/config/standard"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/tablespec"
)

func main() {
	env := cliEnv{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		table: os.Getenv("TABLE_NAME"), argon2: secret.DefaultArgon2,
	}
	if err := run(context.Background(), env, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "adminctl:", err)
		if errors.Is(err, flag.ErrHelp) || errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// cliEnv is what a run sees of the world, so tests can run commands in
// process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	table          string // default of --table
	argon2         secret.Argon2Params
}

var errUsage = errors.New("usage")

const usage = `usage: adminctl [--table NAME] COMMAND [flags]

commands:
  create-table     create the table from template.yaml (for local endpoints)
  create-account   create or replace an account
  create-admin     create an administrator (password from stdin)
  set-policy       set an account's allowed factors and verified push length
  list-admins      list the administrators of an account
  clear-email-status  forget an admin's SES bounce or complaint (address fixed)
  reencrypt        seal every credential's HOTP secret under the current KMS key
  seal-hash-key    make (or rewrap) the code hash key, sealed under the KMS key

The AWS SDK's standard configuration applies (AWS_PROFILE, AWS_REGION, ...);
AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 targets the local stack.
Run "adminctl COMMAND -h" for a command's flags.
`

func run(ctx context.Context, env cliEnv, args []string) error {
	global := flag.NewFlagSet("adminctl", flag.ContinueOnError)
	global.SetOutput(env.stderr)
	global.Usage = func() { fmt.Fprint(env.stderr, usage) }
	table := global.String("table", env.table, "DynamoDB table (default $TABLE_NAME)")
	if err := global.Parse(args); err != nil {
		return err
	}
	if global.NArg() == 0 {
		global.Usage()
		return errUsage
	}
	cmd, rest := global.Arg(0), global.Args()[1:]
	if *table == "" {
		return errors.New("no table: set TABLE_NAME or --table")
	}
	c := &cli{env: env, table: *table}
	commands := map[string]func(context.Context, []string) error{
		"create-table":   c.createTable,
		"create-account": c.createAccount,
		"create-admin":   c.createAdmin,
		"set-policy":     c.setPolicy,
		"list-admins":    c.listAdmins,
		// Operations (docs/operations.md, SES events).
		"clear-email-status": c.clearEmailStatus,
		// KMS (kms.go)
		"reencrypt":     c.reencrypt,
		"seal-hash-key": c.sealHashKey,
	}
	fn, ok := commands[cmd]
	if !ok {
		global.Usage()
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	if err := c.connect(ctx); err != nil {
		return err
	}
	return fn(ctx, rest)
}

type cli struct {
	env   cliEnv
	table string
	db    tablespec.API
	store *dynamo.Store
	// KMS commands (kms.go): the scan, and the SDK configuration.
	scan   dynamo.Scanner
	awsCfg aws.Config
}

func (c *cli) connect(ctx context.Context) error {
	cfg, err := standard.AWS(ctx)
	if err != nil {
		return err
	}
	db := dynamo.NewClient(cfg)
	c.db, c.scan, c.awsCfg = db, db, cfg
	c.store = dynamo.New(db, c.table, domain.SystemClock{})
	return nil
}

func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("adminctl "+name, flag.ContinueOnError)
	fs.SetOutput(c.env.stderr)
	return fs
}

// parse parses flags and checks that the required ones are set.
func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			return fmt.Errorf("%w: --%s is required", errUsage, name)
		}
	}
	return nil
}

func (c *cli) createTable(ctx context.Context, args []string) error {
	fs := c.flags("create-table")
	path := fs.String("template", "", "SAM template (default: template.yaml of the project above the working directory)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if *path, err = tablespec.FindTemplate(wd); err != nil {
			return err
		}
	}
	spec, err := tablespec.Load(filepath.Clean(*path))
	if err != nil {
		return err
	}
	ttl, err := spec.Create(ctx, c.db, c.table)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "table %s ready (TTL on %q: %v)\n", c.table, spec.TTLAttribute(), ttl)
	return nil
}

func (c *cli) createAccount(ctx context.Context, args []string) error {
	fs := c.flags("create-account")
	id := fs.String("id", "", "account id (what PUT /v1/session/account takes)")
	name := fs.String("name", "", "display name")
	kind := fs.String("kind", string(domain.AccountStandard), "standard, msp_parent or child")
	parent := fs.String("parent", "", "parent account id (child accounts only)")
	if err := parse(fs, args, "id", "name"); err != nil {
		return err
	}
	a := domain.Account{ID: *id, Name: *name, Kind: domain.AccountKind(*kind), ParentID: *parent, Policy: domain.DefaultPolicy()}
	if !a.Kind.Valid() {
		return fmt.Errorf("%w: --kind %q is not standard, msp_parent or child", errUsage, *kind)
	}
	if (a.Kind == domain.AccountChild) != (a.ParentID != "") {
		return fmt.Errorf("%w: --parent is required for a child account and only for one", errUsage)
	}
	if a.Kind == domain.AccountChild {
		p, err := c.store.GetAccount(ctx, a.ParentID)
		if err != nil {
			return fmt.Errorf("parent account %s: %w", a.ParentID, err)
		}
		if p.Kind != domain.AccountMSPParent {
			return fmt.Errorf("parent account %s is %s, not msp_parent", p.ID, p.Kind)
		}
	}
	if old, err := c.store.GetAccount(ctx, a.ID); err == nil {
		a.Policy = old.Policy // re-creating keeps the policy
	}
	if err := c.store.PutAccount(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "account %s (%s, %s)\n", a.ID, a.Name, a.Kind)
	return nil
}

func (c *cli) createAdmin(ctx context.Context, args []string) error {
	fs := c.flags("create-admin")
	account := fs.String("account", "", "account id")
	email := fs.String("email", "", "email address (unique)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "owner, administrator, application_manager, user_manager, help_desk, billing or read_only")
	phone := fs.String("phone", "", "phone number for SMS and calls, E.164 (+15555550100)")
	id := fs.String("id", "", "admin id (default: random)")
	if err := parse(fs, args, "account", "email", "name", "role", "phone"); err != nil {
		return err
	}
	if !domain.Role(*role).Valid() {
		return fmt.Errorf("%w: --role %q is not one of %v", errUsage, *role, domain.AllRoles)
	}
	if !validE164(*phone) {
		return fmt.Errorf("%w: --phone %q is not E.164 (+ and 8 to 15 digits)", errUsage, *phone)
	}
	if !strings.Contains(domain.NormalizeEmail(*email), "@") { // the form CreateAdmin stores
		return fmt.Errorf("%w: --email %q is not an email address", errUsage, *email)
	}
	if _, err := c.store.GetAccount(ctx, *account); err != nil {
		return fmt.Errorf("account %s: %w", *account, err)
	}
	password, err := c.readPassword()
	if err != nil {
		return err
	}
	hash, err := secret.HashPassword(nil, password, c.env.argon2)
	if err != nil {
		return err
	}
	if *id == "" {
		if *id, err = secret.ID(nil); err != nil {
			return err
		}
	}
	a := domain.Admin{ID: *id, AccountID: *account, Email: *email, Name: *name, Role: domain.Role(*role),
		Phone: *phone, Status: domain.AdminActive, PasswordHash: hash, CreatedAt: time.Now().UTC()}
	if err := c.store.CreateAdmin(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "admin %s (%s, %s) in %s\n", a.ID, domain.NormalizeEmail(a.Email), a.Role, a.AccountID)
	return nil
}

// maxVerifiedPushLength bounds the verified push code: Duo uses 3 or 6
// digits, and a person has to type it on the phone.
const maxVerifiedPushLength = 6

// MinPasswordLen is the shortest password adminctl accepts.
const MinPasswordLen = 12

// readPassword reads the first line of stdin.
func (c *cli) readPassword() (string, error) {
	if f, ok := c.env.stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(c.env.stderr, "password (echoed; pipe it in to avoid that): ")
		}
	}
	line, err := bufio.NewReader(c.env.stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on stdin")
	}
	password := strings.TrimRight(line, "\r\n")
	if len(password) < MinPasswordLen {
		return "", fmt.Errorf("the password must have at least %d characters", MinPasswordLen)
	}
	return password, nil
}

func validE164(p string) bool {
	digits, ok := strings.CutPrefix(p, "+")
	if !ok || len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return false
	}
	return strings.Trim(digits, "0123456789") == ""
}

func (c *cli) setPolicy(ctx context.Context, args []string) error {
	fs := c.flags("set-policy")
	account := fs.String("account", "", "account id")
	factors := fs.String("factors", "", "allowed factors, comma-separated: push,sms,phone,passcode (default: unchanged)")
	verified := fs.Int("verified-push-length", -1, "digits of the verified push code, 0 = off (default: unchanged)")
	qr := fs.Int("qr-validity-secs", -1, "default QR code validity in seconds, 0 = the service default (default: unchanged)")
	if err := parse(fs, args, "account"); err != nil {
		return err
	}
	a, err := c.store.GetAccount(ctx, *account)
	if err != nil {
		return fmt.Errorf("account %s: %w", *account, err)
	}
	if *factors != "" {
		var fs []domain.Factor
		for _, f := range strings.Split(*factors, ",") {
			f := domain.Factor(strings.TrimSpace(f))
			if !f.Valid() {
				return fmt.Errorf("%w: unknown factor %q (want push, sms, phone, passcode)", errUsage, f)
			}
			if !slices.Contains(fs, f) {
				fs = append(fs, f)
			}
		}
		a.Policy.AllowedFactors = fs
	}
	if *verified >= 0 {
		if *verified > maxVerifiedPushLength {
			return fmt.Errorf("%w: --verified-push-length must be 0 to %d", errUsage, maxVerifiedPushLength)
		}
		a.Policy.VerifiedPushLength = *verified
	}
	if *qr >= 0 {
		if *qr != 0 && (*qr < int(domain.QRValidityMin.Seconds()) || *qr > int(domain.QRValidityMax.Seconds())) {
			return fmt.Errorf("%w: --qr-validity-secs must be 0 or %d to %d", errUsage, int(domain.QRValidityMin.Seconds()), int(domain.QRValidityMax.Seconds()))
		}
		a.Policy.QRValiditySecs = *qr
	}
	if err := c.store.PutAccount(ctx, *a); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "account %s: factors %v, verified push length %d\n", a.ID, a.Policy.AllowedFactors, a.Policy.VerifiedPushLength)
	return nil
}

func (c *cli) listAdmins(ctx context.Context, args []string) error {
	fs := c.flags("list-admins")
	account := fs.String("account", "", "account id")
	if err := parse(fs, args, "account"); err != nil {
		return err
	}
	admins, err := c.store.ListAdmins(ctx, *account)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tPHONE")
	for _, a := range admins {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Email, a.Name, a.Role, a.Status, a.Phone)
	}
	return w.Flush()
}

// clearEmailStatus forgets the bounce or complaint SES reported for an
// admin's address, so the activation email may be sent to it again:
// after the mailbox was fixed or the recipient asked for mail again.
func (c *cli) clearEmailStatus(ctx context.Context, args []string) error {
	fs := c.flags("clear-email-status")
	admin := fs.String("admin", "", "admin id")
	if err := parse(fs, args, "admin"); err != nil {
		return err
	}
	if err := c.store.ClearEmailStatus(ctx, *admin); err != nil {
		return err
	}
	fmt.Fprintf(c.env.stdout, "admin %s: email status cleared\n", *admin)
	return nil
}
