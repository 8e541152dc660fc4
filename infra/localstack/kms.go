package localstack

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"

	"push-reactivation/infra/localkms"
	"push-reactivation/shared/sealing/kmskeys"
	"push-reactivation/shared/sealing/kmswire"
)

// KMSFunctions are the functions whose main.go wires KMS
// (kmswire.Wire): the ones the key policy of template.yaml lets use the
// key. The template test checks that the two agree.
var KMSFunctions = map[string]bool{
	"FallbackLoginFunction":     true, // Duo Mobile passcodes (Decrypt), code hashes
	"DeviceFunction":            true, // new credentials (GenerateDataKey), verified-push codes
	"OwnerReactivationFunction": true, // list cursors are MACed with the code hash key
}

// startKMS installs and starts local-kms (DESIGN.md §6) with the alias,
// and seals a fresh code hash key under it.
func (s *Stack) startKMS(ctx context.Context, o Options) error {
	bin, err := localkms.Install(ctx, filepath.Join(o.StateDir, "bin"), prefixed(o.Output, "kms"))
	if err != nil {
		return err
	}
	addr := o.KMSAddr
	if strings.HasSuffix(addr, ":0") {
		addr = "" // a free port
	}
	srv, err := localkms.Start(ctx, localkms.Options{Binary: bin, Addr: addr, Output: prefixed(o.Output, "kms")})
	if err != nil {
		return err
	}
	s.closers = append(s.closers, srv.Close)
	s.KMSURL = srv.URL
	sealed, err := kmskeys.New(srv.Client(), localkms.Alias).GenerateWrappedKey(ctx, kmswire.CodeHashKeyContext())
	if err != nil {
		return fmt.Errorf("localstack: seal the code hash key: %w", err)
	}
	s.sealedCodeKey = base64.StdEncoding.EncodeToString(sealed)
	return nil
}
