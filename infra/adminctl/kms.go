package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/sealing"
	"push-reactivation/shared/sealing/kmskeys"
	"push-reactivation/shared/sealing/kmswire"
)

// kmsKeys is the KMS key of --kms-key (default $KMS_KEY_ID), through the
// standard SDK configuration (AWS_ENDPOINT_URL_KMS for local-kms).
func (c *cli) kmsKeys(keyID string) (*kmskeys.Keys, error) {
	if keyID == "" {
		return nil, errors.New("no KMS key: set KMS_KEY_ID or --kms-key (e.g. alias/push-reactivation)")
	}
	return kmskeys.New(kmskeys.NewClient(c.awsCfg), keyID), nil
}

// reencrypt seals every credential's HOTP secret under the current KMS
// key: a data key wrapped under another key (the alias was pointed at a
// new key) is rewrapped with KMS ReEncrypt, the secret itself never
// leaving its envelope; a secret still in plain (written before secrets
// were sealed) is sealed. With --all every data key is rewrapped, also
// those already under the current key (after an on-demand rotation, to
// move them to its newest key material).
func (c *cli) reencrypt(ctx context.Context, args []string) error {
	fs := c.flags("reencrypt")
	keyID := fs.String("kms-key", os.Getenv("KMS_KEY_ID"), "KMS key id, ARN or alias (default $KMS_KEY_ID)")
	all := fs.Bool("all", false, "rewrap every data key, also those already under the current key")
	if err := parse(fs, args); err != nil {
		return err
	}
	keys, err := c.kmsKeys(*keyID)
	if err != nil {
		return err
	}
	env := sealing.New(keys, kmswire.HOTPSecretPurpose, sealing.DefaultLimits, nil)
	rep, err := c.store.ResealCredentials(ctx, c.scan, func(ctx context.Context, cred *domain.Credential) (string, bool, error) {
		if cred.SealedHOTPSecret == "" {
			if cred.HOTPSecret == "" {
				return "", false, nil
			}
			sealed, err := env.Seal(ctx, cred.ID, []byte(cred.HOTPSecret))
			return sealed, err == nil, err
		}
		sealed, moved, err := env.Rewrap(ctx, keys, cred.ID, cred.SealedHOTPSecret)
		return sealed, err == nil && (moved || *all), err
	})
	fmt.Fprintf(c.env.stdout, "credentials %d: rewrapped %d, sealed %d (were plain), unchanged %d, changed meanwhile %d\n",
		rep.Credentials, rep.Rewrapped, rep.Sealed, rep.Unchanged, rep.Raced)
	return err
}

// sealHashKey prints a new code hash key sealed under the KMS key (KMS
// GenerateDataKeyWithoutPlaintext: nobody ever sees the key in plain), the
// value of CODE_HASH_KEY_SEALED; with --rewrap it reads the current value
// from stdin and prints it rewrapped under the current key (the same code
// hash key: codes in flight keep matching).
func (c *cli) sealHashKey(ctx context.Context, args []string) error {
	fs := c.flags("seal-hash-key")
	keyID := fs.String("kms-key", os.Getenv("KMS_KEY_ID"), "KMS key id, ARN or alias (default $KMS_KEY_ID)")
	rewrap := fs.Bool("rewrap", false, "rewrap the sealed key read from stdin instead of making a new one")
	if err := parse(fs, args); err != nil {
		return err
	}
	keys, err := c.kmsKeys(*keyID)
	if err != nil {
		return err
	}
	var sealed []byte
	if *rewrap {
		line, err := bufio.NewReader(c.env.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("seal-hash-key --rewrap: no sealed key on stdin")
		}
		old, err := base64.StdEncoding.DecodeString(strings.TrimSpace(line))
		if err != nil {
			return errors.New("seal-hash-key --rewrap: stdin is not standard base64")
		}
		sealed, _, err = keys.ReEncrypt(ctx, old, kmswire.CodeHashKeyContext())
		if err != nil {
			return err
		}
	} else if sealed, err = keys.GenerateWrappedKey(ctx, kmswire.CodeHashKeyContext()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.stdout, base64.StdEncoding.EncodeToString(sealed))
	return nil
}
