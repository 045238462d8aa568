package errorpages

import (
	"fmt"
	"strings"
)

// Exposure is the details policy (error_pages' `details` option): whether
// an error's own text — an upstream body's message, type and field
// problems — may reach the client, by status.
type Exposure uint8

// The exposure policies.
const (
	ExposeAuto   Exposure = iota // upstream text for 4xx only
	ExposeAlways                 // upstream text for 4xx and 5xx
	ExposeNever                  // standard descriptions only
)

// ParseExposure parses auto, always or never.
func ParseExposure(s string) (Exposure, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return ExposeAuto, nil
	case "always":
		return ExposeAlways, nil
	case "never":
		return ExposeNever, nil
	}
	return 0, fmt.Errorf("%q is not auto, always or never", s)
}

func (p Exposure) String() string {
	return [...]string{"auto", "always", "never"}[p]
}

// TypeValidationFailed is the type of an error with field problems whose
// source gave no code of its own.
const TypeValidationFailed = "validation_failed"

// TypeUpstreamContractViolation is the type of the 502 that
// request_validation answers in place of an upstream response that does
// not match the API description (responses enforce).
const TypeUpstreamContractViolation = "upstream_contract_violation"

// Allows reports whether upstream text may be shown for status code.
func (p Exposure) Allows(code int) bool {
	switch p {
	case ExposeAlways:
		return true
	case ExposeNever:
		return false
	}
	return code < 500
}

// Apply fills e from u when the policy allows it for e.Code. It reports
// whether anything from u was withheld by the policy.
func (p Exposure) Apply(e *Error, u Upstream) (withheld bool) {
	if u.Message == "" && u.Type == "" && len(u.Fields) == 0 {
		return false
	}
	if !p.Allows(e.Code) {
		return true
	}
	if u.Message != "" {
		e.Details = u.Message
	}
	switch {
	case u.Type != "":
		e.Type = u.Type
	case len(u.Fields) > 0:
		// Field problems without the upstream's own code (Express,
		// FastAPI, Rails): the error is a failed validation, whatever
		// its status (400, 422).
		e.Type = TypeValidationFailed
	}
	e.Fields = u.Fields
	return false
}
