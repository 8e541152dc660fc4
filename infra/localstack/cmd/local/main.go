// Command local runs the local stack (make run): the API over HTTP and
// HTTPS, the reference panel, the embedded DynamoDB, aws-ses-v2-local, the
// local SMS/voice endpoint and the demo data, with the functions in
// process or, with -rie, under aws-lambda-rie. Ctrl-C stops everything.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"push-reactivation/infra/localstack"
)

func main() {
	var o localstack.Options
	flag.StringVar(&o.HTTPAddr, "http", localstack.DefaultHTTPAddr, "HTTP address of the API and the panel")
	flag.StringVar(&o.HTTPSAddr, "https", localstack.DefaultHTTPSAddr, "HTTPS address of the API (its host:port is API_HOST)")
	flag.StringVar(&o.DynamoDBAddr, "dynamodb", localstack.DefaultDynamoDBAddr, "address of the embedded DynamoDB")
	flag.StringVar(&o.SESAddr, "ses", localstack.DefaultSESAddr, "address of aws-ses-v2-local")
	flag.StringVar(&o.SMSAddr, "sms", localstack.DefaultSMSAddr, "address of the local SMS/voice endpoint")
	flag.StringVar(&o.KMSAddr, "kms", localstack.DefaultKMSAddr, "address of local-kms (it listens on every interface at that port)")
	flag.StringVar(&o.StateDir, "state", "", "folder for generated files (default <project>/.local)")
	flag.BoolVar(&o.RIE, "rie", false, "run each function's bootstrap under aws-lambda-rie instead of in process")
	flag.StringVar(&o.LogLevel, "log-level", "", "LOG_LEVEL of the functions (default: the template's)")
	noDemo := flag.Bool("no-demo", false, "do not load the demo data")
	flag.Parse()
	o.NoDemo = *noDemo
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run(o localstack.Options) error {
	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	s, err := localstack.Start(ctx, o)
	if err != nil {
		return err
	}
	s.WriteBanner(os.Stdout)
	fmt.Printf("\nready in %.1fs; Ctrl-C stops everything\n", time.Since(start).Seconds())
	<-ctx.Done()
	stop() // a second Ctrl-C now kills at once
	fmt.Println("\nstopping")
	return s.Close()
}
