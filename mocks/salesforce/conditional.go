package salesforce

import (
	"net/http"
	"time"
)

// Conditional requests on sObject rows, as Salesforce's REST API documents them ("Conditional Request
// Headers"; "Update Records Using sObject Rows"): weak validation against the record's last modification
// date.
//
//   - PATCH with If-Unmodified-Since: when the record was modified after that date, the answer is 412
//     Precondition Failed and the request is not processed. An unparsable date is a 400.
//   - GET with If-Modified-Since: when the record was not modified after that date, the answer is 304
//     Not Modified with no body.
//
// The record's date is its SystemModstamp, which the fake stamps at the start of the writing transaction
// in whole seconds, as Salesforce does; an HTTP-date has whole seconds too, so "modified after" compares
// two whole seconds and an edit in the same second as the date passes. A write that SOQL does not see
// committed yet counts: the row a read by id returns is the one the condition is judged on (on
// Salesforce the conditional write would wait for that transaction's row lock, then see its stamp).
// ETags (If-Match, If-None-Match) are served for Account rows only, which this fake does not model.
const (
	// codeUnmodifiedSinceFailed is Salesforce's status code for an update refused by its
	// If-Unmodified-Since condition.
	codeUnmodifiedSinceFailed = "ENTITY_FAILED_IFLASTMODIFIED_ON_UPDATE_CHECK"
	// codeBadHeader answers a conditional header whose date cannot be read. Salesforce documents the 400
	// status, not the error code; clients should not rely on it.
	codeBadHeader = "INVALID_HEADER_VALUE"
)

// headerTime reads an HTTP-date (RFC 1123 in GMT, or the obsolete RFC 850 and asctime forms), or an RFC
// 1123 date with a numeric zone. ok is false when the header is absent; err is set when it is present but
// unreadable.
func headerTime(h http.Header, name string) (t time.Time, ok bool, err *apiError) {
	v := h.Get(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	if t, perr := http.ParseTime(v); perr == nil {
		return t.UTC(), true, nil
	}
	if t, perr := time.Parse(time.RFC1123Z, v); perr == nil {
		return t.UTC(), true, nil
	}
	return time.Time{}, false, newErr(http.StatusBadRequest, codeBadHeader,
		"The value of the "+name+" header is not a valid date: "+v+" (expected EEE, dd MMM yyyy HH:mm:ss z)")
}

// modstamp is the record's last modification date as the conditions compare it.
func modstamp(row record) time.Time {
	t, _ := row["SystemModstamp"].(time.Time)
	return t.Truncate(time.Second)
}

// unmodifiedSince checks a write's If-Unmodified-Since against the row it would change. A missing row
// passes: the write itself answers for it.
func (s *Server) unmodifiedSince(o *objectDef, id string, h http.Header) *apiError {
	since, ok, err := headerTime(h, "If-Unmodified-Since")
	if err != nil || !ok {
		return err
	}
	row, exists := s.data.get(o.Name, id)
	if !exists || !modstamp(row).After(since) {
		return nil
	}
	return newErr(http.StatusPreconditionFailed, codeUnmodifiedSinceFailed, "The record was modified at "+
		modstamp(row).Format(http.TimeFormat)+", after the If-Unmodified-Since date "+since.Format(http.TimeFormat)+
		"; the update was not processed", []string{}...)
}

// notModifiedSince reports whether a read's If-Modified-Since holds the row unchanged. An unreadable
// date is ignored, as HTTP asks of a cache validator on a read.
func notModifiedSince(row record, h http.Header) bool {
	since, ok, err := headerTime(h, "If-Modified-Since")
	return err == nil && ok && !modstamp(row).After(since)
}
