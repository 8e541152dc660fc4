package devicesig

import (
	"fmt"
	"strings"
	"time"
)

// MaxDateBytes bounds the x-duo-date header. RFC 2822 dates are about 31
// bytes; anything much longer is not one.
const MaxDateBytes = 64

// FormatDate formats t as an x-duo-date: RFC 2822 in UTC with the "-0000"
// zone, e.g. "Thu, 26 Nov 2026 23:40:00 -0000". That is what Python's
// email.utils.formatdate() and format_datetime(datetime.utcnow()) write,
// the forms the Python Duo Mobile clients send, so the emulator's requests
// look like theirs. Sub-second precision is dropped, as Python does.
func FormatDate(t time.Time) string {
	return t.UTC().Format("Mon, 02 Jan 2006 15:04:05") + " -0000"
}

// ParseDate parses an RFC 2822 date as devices send it in x-duo-date:
//
//	[Day ","] D[D] Mon YYYY HH:MM[:SS] zone
//
// where zone is a numeric offset ("+0000", "-0000" (UTC, as Python writes
// it), "+0530", ...) or "GMT", "UT" or "UTC" (what HTTP dates and
// format_datetime(usegmt=True) use). Names of days, months and zones match
// case-insensitively. The day of the week, when present, must be a day
// name but is not checked against the date: it adds nothing the rest of the
// string lacks, and the signature covers the string as sent anyway.
//
// ParseDate is stricter than Python's lenient parsedate: it rejects
// two-digit years, years before 1900 (RFC 2822's floor; Python reads
// "0001" as 2001, so the two would disagree), comments, leap seconds and
// the obsolete North American and military zone names ("EST", "Z", ...),
// which no known client sends and which are easy to get wrong. The result
// is in UTC. Errors wrap [ErrMalformed].
func ParseDate(s string) (time.Time, error) {
	if len(s) > MaxDateBytes {
		return time.Time{}, fmt.Errorf("%w: x-duo-date longer than %d bytes", ErrMalformed, MaxDateBytes)
	}
	s = strings.Trim(s, " \t")
	if s == "" {
		return time.Time{}, fmt.Errorf("%w: x-duo-date missing", ErrMalformed)
	}
	if dow, rest, ok := strings.Cut(s, ","); ok {
		if lookupName(strings.Trim(dow, " \t"), dayNames) < 0 {
			return time.Time{}, dateError("day of week")
		}
		s = rest
	}
	f := strings.FieldsFunc(s, isFWS)
	if len(f) != 5 {
		return time.Time{}, dateError("not day month year time zone")
	}
	day, ok := digits(f[0], 1, 2)
	if !ok || day < 1 || day > 31 {
		return time.Time{}, dateError("day")
	}
	month := lookupName(f[1], monthNames)
	if month < 0 {
		return time.Time{}, dateError("month")
	}
	year, ok := digits(f[2], 4, 4)
	if !ok || year < 1900 {
		return time.Time{}, dateError("year")
	}
	hour, minute, sec, ok := parseClock(f[3])
	if !ok {
		return time.Time{}, dateError("time of day")
	}
	offset, ok := parseZone(f[4])
	if !ok {
		return time.Time{}, dateError("zone")
	}
	t := time.Date(year, time.Month(month+1), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 31 Apr, 30 Feb, ... normalised into the next month
		return time.Time{}, dateError("day")
	}
	return t.Add(-time.Duration(offset) * time.Second), nil
}

// CheckDate parses the x-duo-date header date and checks that it lies
// within skew of now, either way (the bound is inclusive). It returns the
// instant the header denotes. A date that does not parse wraps
// [ErrMalformed]; one outside the window wraps [ErrStaleDate].
func CheckDate(date string, now time.Time, skew time.Duration) (time.Time, error) {
	t, err := ParseDate(date)
	if err != nil {
		return time.Time{}, err
	}
	switch d := t.Sub(now); {
	case d > skew:
		return time.Time{}, fmt.Errorf("%w: x-duo-date is %s ahead of the server clock (allowed %s)", ErrStaleDate, d.Round(time.Second), skew)
	case d < -skew:
		return time.Time{}, fmt.Errorf("%w: x-duo-date is %s behind the server clock (allowed %s)", ErrStaleDate, (-d).Round(time.Second), skew)
	}
	return t, nil
}

// isFWS reports whether r is folding white space as RFC 2822 means it
// (space and tab; not the other Unicode spaces strings.Fields splits on).
func isFWS(r rune) bool { return r == ' ' || r == '\t' }

func dateError(part string) error {
	return fmt.Errorf("%w: x-duo-date is not an RFC 2822 date (%s)", ErrMalformed, part)
}

var (
	dayNames   = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthNames = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// lookupName returns the index of s in names, ignoring ASCII case, or -1.
func lookupName(s string, names []string) int {
	for i, n := range names {
		if asciiEqualFold(s, n) {
			return i
		}
	}
	return -1
}

// asciiEqualFold reports whether a and b are equal ignoring the case of
// ASCII letters only (strings.EqualFold would also equate "K" with the
// Kelvin sign).
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// digits parses s as lo to hi ASCII digits.
func digits(s string, lo, hi int) (int, bool) {
	if len(s) < lo || len(s) > hi {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseClock parses HH:MM or HH:MM:SS (two digits each; no leap second).
func parseClock(s string) (hour, minute, sec int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	var v [3]int
	for i, p := range parts {
		if v[i], ok = digits(p, 2, 2); !ok {
			return 0, 0, 0, false
		}
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 59 {
		return 0, 0, 0, false
	}
	return v[0], v[1], v[2], true
}

// parseZone parses a zone into its offset east of UTC in seconds.
func parseZone(s string) (int, bool) {
	switch {
	case asciiEqualFold(s, "GMT"), asciiEqualFold(s, "UT"), asciiEqualFold(s, "UTC"):
		return 0, true
	case len(s) == 5 && (s[0] == '+' || s[0] == '-'):
		hh, ok1 := digits(s[1:3], 2, 2)
		mm, ok2 := digits(s[3:5], 2, 2)
		if !ok1 || !ok2 || mm > 59 {
			return 0, false
		}
		off := hh*3600 + mm*60
		if s[0] == '-' {
			off = -off
		}
		return off, true
	}
	return 0, false
}
