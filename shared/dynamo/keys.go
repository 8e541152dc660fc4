package dynamo

// Key patterns of the single table (docs/table.md). Sort keys of "entity"
// items start with '#' so they sort before any child item that may share
// the partition later.

func accountPK(id string) string                { return "ACCOUNT#" + id }
func childrenGSI1PK(parent string) string       { return "CHILDREN#" + parent }
func adminPK(id string) string                  { return "ADMIN#" + id }
func accountAdminsGSI1PK(account string) string { return "ACCOUNT#" + account + "#ADMINS" }
func emailPK(normalized string) string          { return "EMAIL#" + normalized }
func credentialPK(id string) string             { return "CRED#" + id }
func adminCredsGSI1PK(admin string) string      { return "ADMIN#" + admin + "#CREDS" }
func reactivationPK(id string) string           { return "REACT#" + id }
func codePK(hash string) string                 { return "CODE#" + hash }
func sessionPK(hash string) string              { return "SESSION#" + hash }
func auditPK(account string) string             { return "AUDIT#" + account }
func ratePK(name, subject string) string        { return "RATE#" + name + "#" + subject }

const (
	skAccount      = "#ACCOUNT"
	skAdmin        = "#ADMIN"
	skEmail        = "#EMAIL"
	skCredential   = "#CRED"
	skReactivation = "#REACT"
	skCode         = "#CODE"
	skLogin        = "#LOGIN"
	skSession      = "#SESSION"
	skRate         = "#RATE"
)
