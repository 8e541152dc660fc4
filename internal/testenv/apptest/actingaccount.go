package apptest

import (
	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/domain"
)

// SetActingAccount makes the session whose token hashes to tokenHash act
// in accountID (dynamotest.SetActingAccount): tests use it to put a
// session where a case needs it.
func (e *Env) SetActingAccount(tokenHash, accountID string) error {
	return dynamotest.SetActingAccount(e.Ctx, e.AWS.DynamoDB, e.Deps.Config.TableName, tokenHash, accountID)
}

// PutPush writes tx as a login with a pending push (dynamotest.PutPush).
func (e *Env) PutPush(tx domain.LoginTx) error {
	return dynamotest.PutPush(e.Ctx, e.AWS.DynamoDB, e.Deps.Config.TableName, tx)
}
