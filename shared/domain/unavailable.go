package domain

import "errors"

// ErrPeerUnavailable marks the error of a peer (mail, SMS, voice) that could
// not take a sound request now: throttling, quota, network, time-out, a
// server fault. The adapters mark such errors (MarkUnavailable), so the
// logic tells "not now" (answered with ErrUnavailable, 503 50301) from "not this" (500) with errors.Is
// and without knowing which peer it talked to.
var ErrPeerUnavailable = errors.New("peer unavailable")

// MarkUnavailable returns err marked so that errors.Is(err,
// ErrPeerUnavailable) holds; its text and chain are unchanged. nil stays nil.
func MarkUnavailable(err error) error {
	if err == nil {
		return nil
	}
	return unavailableError{err}
}

type unavailableError struct{ error }

func (e unavailableError) Unwrap() error        { return e.error }
func (e unavailableError) Is(target error) bool { return target == ErrPeerUnavailable }
