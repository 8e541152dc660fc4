package apptest

import "crypto/rsa"

// PhoneKey is the RSA key of the phone Activate emulates, for tests that
// sign device requests as that phone, or as another phone of their own
// (several admins may share one phone, and RSA key generation is slow
// under the race detector).
func PhoneKey() *rsa.PrivateKey { return deviceKey() }
