package localstack

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"push-reactivation/shared/sealing/kmswire"
)

// TestTemplateKMSKey: the KMS key of secrets at rest has rotation on and a
// key policy that grants each cryptographic operation only to the
// functions that call it, for one purpose each; the account may administer
// the key and re-encrypt, never decrypt or make plain data keys. The
// functions granted are exactly those whose code wires KMS
// (kmswire, KMSFunctions), and the deployed configuration holds only the
// sealed code hash key.
func TestTemplateKMSKey(t *testing.T) {
	raw := rawTemplate(t)
	key := dig(raw, "Resources", "SecretsKey")
	if dig(key, "Type") != "AWS::KMS::Key" {
		t.Fatalf("SecretsKey is %v, want AWS::KMS::Key", dig(key, "Type"))
	}
	if dig(key, "Properties", "EnableKeyRotation") != true {
		t.Error("SecretsKey: EnableKeyRotation must be true")
	}
	if dig(raw, "Resources", "SecretsKeyAlias", "Type") != "AWS::KMS::Alias" ||
		jsonOf(dig(raw, "Resources", "SecretsKeyAlias", "Properties", "TargetKeyId")) != `{"Ref":"SecretsKey"}` {
		t.Error("SecretsKeyAlias must be an AWS::KMS::Alias of SecretsKey")
	}
	if got := jsonOf(dig(raw, "Globals", "Function", "Environment", "Variables", "KMS_KEY_ID")); got != `{"Ref":"SecretsKeyAlias"}` {
		t.Errorf("Globals KMS_KEY_ID = %s, want !Ref SecretsKeyAlias", got)
	}
	if got := dig(raw, "Globals", "Function", "Environment", "Variables", "CODE_HASH_KEY"); got != "" {
		t.Errorf("Globals CODE_HASH_KEY = %v: the plain key must never be deployed (CODE_HASH_KEY_SEALED)", got)
	}
	if got := jsonOf(dig(raw, "Globals", "Function", "Environment", "Variables", "CODE_HASH_KEY_SEALED")); !strings.Contains(got, "resolve:secretsmanager") {
		t.Errorf("Globals CODE_HASH_KEY_SEALED = %s, want a Secrets Manager dynamic reference", got)
	}

	// grants[action][purpose] = the functions' roles allowed.
	grants := map[string]map[string][]string{}
	statements, _ := dig(key, "Properties", "KeyPolicy", "Statement").([]any)
	if len(statements) == 0 {
		t.Fatal("SecretsKey has no key policy statements")
	}
	for _, st := range statements {
		sid, _ := dig(st, "Sid").(string)
		if dig(st, "Effect") != "Allow" {
			continue
		}
		actions := stringsOf(dig(st, "Action"))
		principals := dig(st, "Principal", "AWS")
		if strings.Contains(jsonOf(principals), ":root") {
			for _, a := range actions {
				if a == "kms:*" || a == "kms:Decrypt" || a == "kms:GenerateDataKey" || a == "kms:Encrypt" || a == "kms:GenerateDataKey*" {
					t.Errorf("%s grants %s to the whole account: only the functions may decrypt or make plain data keys", sid, a)
				}
			}
			continue
		}
		purpose, _ := dig(st, "Condition", "StringEquals", "kms:EncryptionContext:purpose").(string)
		if purpose == "" {
			t.Errorf("%s grants %v without an encryption context purpose", sid, actions)
		}
		var roles []string
		switch p := principals.(type) {
		case []any:
			for _, x := range p {
				roles = append(roles, roleOf(t, sid, x))
			}
		default:
			roles = append(roles, roleOf(t, sid, p))
		}
		for _, a := range actions {
			if grants[a] == nil {
				grants[a] = map[string][]string{}
			}
			grants[a][purpose] = append(grants[a][purpose], roles...)
		}
	}
	want := map[string]map[string][]string{
		"kms:GenerateDataKey": {kmswire.HOTPSecretPurpose: {"DeviceFunction"}},
		"kms:Decrypt": {
			kmswire.HOTPSecretPurpose:  {"FallbackLoginFunction"},
			kmswire.CodeHashKeyPurpose: slices.Sorted(maps.Keys(KMSFunctions)),
		},
	}
	for a := range grants {
		for p := range grants[a] {
			slices.Sort(grants[a][p])
		}
	}
	if jsonOf(grants) != jsonOf(want) {
		t.Errorf("key policy grants %s\nwant %s", jsonOf(grants), jsonOf(want))
	}

	// The functions that may use the key are the ones whose code wires KMS.
	for _, f := range loadTemplate(t).Functions {
		wires := slices.Contains(goDeps(t, makeDir(t, f.LogicalID)), "push-reactivation/shared/sealing/kmswire")
		if wires != KMSFunctions[f.LogicalID] {
			t.Errorf("%s: wires KMS %v, localstack.KMSFunctions says %v", f.LogicalID, wires, KMSFunctions[f.LogicalID])
		}
	}
}

func stringsOf(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// roleOf is the function of a principal written !GetAtt <Function>Role.Arn.
func roleOf(t *testing.T, sid string, p any) string {
	t.Helper()
	ref := jsonOf(dig(p, "Fn::GetAtt"))
	name, ok := strings.CutSuffix(strings.Trim(ref, `"`), "Role.Arn")
	if !ok {
		if parts := stringsOf(dig(p, "Fn::GetAtt")); len(parts) == 2 && parts[1] == "Arn" {
			name, ok = strings.CutSuffix(parts[0], "Role")
		}
	}
	if !ok {
		t.Errorf("%s: principal %s is not a function's role (!GetAtt <Function>Role.Arn)", sid, jsonOf(p))
	}
	return name
}
