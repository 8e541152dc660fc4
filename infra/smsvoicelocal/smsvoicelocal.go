// Package smsvoicelocal is a local stand-in for AWS End User Messaging SMS
// and Voice v2, so the real SDK client (and so the production adapter,
// push-reactivation/shared/smsvoice) can run against this machine through
// the standard AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 variable, with no AWS
// account and no code path that exists only for tests.
//
// It speaks the part of the service's wire protocol the project uses: AWS
// JSON 1.0 (POST /, Content-Type application/x-amz-json-1.0,
// X-Amz-Target: PinpointSMSVoiceV2.<Operation>) for SendTextMessage and
// SendVoiceMessage, answering {"MessageId": "..."}; any other operation gets
// a 400 UnknownOperationException and a malformed or invalid request a
// SerializationException or ValidationException, in the protocol's error
// shape {"__type": "...", "message": "..."} (plus the X-Amzn-ErrorType
// header), so the SDK turns them into the same errors it would for AWS.
// Request signatures are not checked.
//
// It records what was "sent" and lists it (DESIGN.md §6, a contract):
//
//	GET    /messages    {"messages": [{"to", "kind": "sms"|"voice", "body", "sent_at", ...}]}, oldest first
//	GET    /messages?to=+15555550100   only the messages to that number
//	DELETE /messages    forget them all (204)
//	GET    /failure     {"enabled": bool}
//	PUT    /failure     {"enabled": bool}: the HTTP form of SetFailure, for out-of-process tests
//
// Bodies hold passcodes: the server logs nothing itself, and the listing is
// local-only test data.
package smsvoicelocal

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Target prefix and operations of the service's AWS JSON 1.0 protocol, as
// the SDK serializes them (see serializers.go of
// github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2).
const (
	TargetPrefix        = "PinpointSMSVoiceV2."
	OpSendTextMessage   = TargetPrefix + "SendTextMessage"
	OpSendVoiceMessage  = TargetPrefix + "SendVoiceMessage"
	contentTypeAWSJSON  = "application/x-amz-json-1.0"
	maxRequestBodyBytes = 64 << 10
)

// Limits the real service enforces on message bodies.
const (
	MaxTextBodyLen  = 1600
	MaxVoiceBodyLen = 6000
)

// Kinds of Message.
const (
	KindSMS   = "sms"
	KindVoice = "voice"
)

// destinationPattern is the service's pattern for DestinationPhoneNumber.
var destinationPattern = regexp.MustCompile(`^\+?[1-9][0-9]{1,18}$`)

// Message is one accepted SendTextMessage or SendVoiceMessage. The first
// four fields are the contract of GET /messages; the rest echo request
// parameters so tests can check what the sender asked for.
type Message struct {
	To     string    `json:"to"`
	Kind   string    `json:"kind"` // KindSMS or KindVoice
	Body   string    `json:"body"`
	SentAt time.Time `json:"sent_at"` // UTC; JSON is RFC 3339

	MessageID           string `json:"message_id"`
	OriginationIdentity string `json:"origination_identity,omitempty"`
	ConfigurationSet    string `json:"configuration_set,omitempty"`
	MessageType         string `json:"message_type,omitempty"`   // SMS: TRANSACTIONAL or PROMOTIONAL
	BodyTextType        string `json:"body_text_type,omitempty"` // voice: TEXT or SSML
	VoiceID             string `json:"voice_id,omitempty"`       // voice
	TimeToLive          int32  `json:"time_to_live,omitempty"`   // seconds

	// dryRun marks a validated DryRun request, which AWS answers without
	// sending anything, so it is never recorded.
	dryRun bool
}

// Server is the local endpoint, an http.Handler. The zero value is not
// usable; call New. It is safe for concurrent use.
type Server struct {
	mu       sync.Mutex
	messages []Message
	failing  atomic.Bool
	now      func() time.Time
}

// New returns an empty Server.
func New() *Server {
	return &Server{now: time.Now}
}

// Messages returns a copy of the recorded messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Reset forgets the recorded messages.
func (s *Server) Reset() {
	s.mu.Lock()
	s.messages = nil
	s.mu.Unlock()
}

// SetFailure makes every send answer 503 ServiceUnavailableException while
// fail is true, as AWS does during an outage, so callers can test their
// "dependency unavailable" path. Listing and clearing keep working.
func (s *Server) SetFailure(fail bool) { s.failing.Store(fail) }

// ServeHTTP routes the listing endpoints and the AWS JSON protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/messages":
		s.serveMessages(w, r)
	case "/failure":
		s.serveFailure(w, r)
	case "/":
		s.serveAPI(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "not found"})
	}
}

func (s *Server) serveMessages(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		msgs := s.Messages()
		if to := r.URL.Query().Get("to"); to != "" {
			kept := msgs[:0]
			for _, m := range msgs {
				if m.To == to {
					kept = append(kept, m)
				}
			}
			msgs = kept
		}
		if msgs == nil {
			msgs = []Message{}
		}
		writeJSON(w, http.StatusOK, map[string][]Message{"messages": msgs})
	case http.MethodDelete:
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, HEAD, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "method not allowed"})
	}
}

func (s *Server) serveFailure(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		var req struct {
			Enabled *bool `json:"enabled"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, maxRequestBodyBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Enabled == nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": `want {"enabled": true|false}`})
			return
		}
		s.SetFailure(*req.Enabled)
	default:
		w.Header().Set("Allow", "GET, PUT")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "method not allowed"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"enabled": s.failing.Load()})
}

// awsError is an error answer of the AWS JSON protocol.
type awsError struct {
	status  int
	typ     string
	message string
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-RequestId", newID())
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeAWSError(w, awsError{http.StatusMethodNotAllowed, "UnknownOperationException", "the API takes POST / with an X-Amz-Target header"})
		return
	}
	var (
		msg  Message
		aerr *awsError
	)
	switch target {
	case OpSendTextMessage:
		msg, aerr = s.decodeText(r)
	case OpSendVoiceMessage:
		msg, aerr = s.decodeVoice(r)
	case "":
		aerr = &awsError{http.StatusBadRequest, "UnknownOperationException", "missing X-Amz-Target header"}
	default:
		aerr = &awsError{http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("operation %q is not supported by this local endpoint", target)}
	}
	if aerr == nil && s.failing.Load() {
		aerr = &awsError{http.StatusServiceUnavailable, "ServiceUnavailableException", "service unavailable (local failure switch is on)"}
	}
	if aerr != nil {
		writeAWSError(w, *aerr)
		return
	}
	if !msg.dryRun {
		s.mu.Lock()
		msg.SentAt = s.now().UTC()
		s.messages = append(s.messages, msg)
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", contentTypeAWSJSON)
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": msg.MessageID})
}

// sendRequest holds the members of SendTextMessageInput and
// SendVoiceMessageInput this endpoint looks at; the others are accepted and
// ignored.
type sendRequest struct {
	DestinationPhoneNumber string
	OriginationIdentity    string
	MessageBody            *string
	MessageType            string
	MessageBodyTextType    string
	VoiceId                string
	ConfigurationSetName   string
	TimeToLive             int32
	DryRun                 bool
}

func decodeRequest(r *http.Request) (sendRequest, *awsError) {
	var req sendRequest
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBodyBytes+1))
	if err != nil {
		return req, &awsError{http.StatusBadRequest, "SerializationException", "could not read the request body"}
	}
	if len(raw) > maxRequestBodyBytes {
		return req, &awsError{http.StatusRequestEntityTooLarge, "SerializationException", "request body too large"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&req); err != nil {
		// The decoder's message names the offending field or character,
		// never a whole value.
		return req, &awsError{http.StatusBadRequest, "SerializationException", "malformed JSON body: " + err.Error()}
	}
	if !destinationPattern.MatchString(req.DestinationPhoneNumber) {
		return req, validation("DestinationPhoneNumber must be a phone number in E.164 format")
	}
	return req, nil
}

func validation(msg string) *awsError {
	return &awsError{http.StatusBadRequest, "ValidationException", msg}
}

func (s *Server) decodeText(r *http.Request) (Message, *awsError) {
	req, aerr := decodeRequest(r)
	if aerr != nil {
		return Message{}, aerr
	}
	if req.MessageBody == nil || len(*req.MessageBody) == 0 || len([]rune(*req.MessageBody)) > MaxTextBodyLen {
		return Message{}, validation(fmt.Sprintf("MessageBody must be 1 to %d characters", MaxTextBodyLen))
	}
	switch req.MessageType {
	case "", "TRANSACTIONAL", "PROMOTIONAL":
	default:
		return Message{}, validation("MessageType must be TRANSACTIONAL or PROMOTIONAL")
	}
	return Message{
		To:                  req.DestinationPhoneNumber,
		Kind:                KindSMS,
		Body:                *req.MessageBody,
		MessageID:           newID(),
		OriginationIdentity: req.OriginationIdentity,
		ConfigurationSet:    req.ConfigurationSetName,
		MessageType:         req.MessageType,
		TimeToLive:          req.TimeToLive,
		dryRun:              req.DryRun,
	}, nil
}

func (s *Server) decodeVoice(r *http.Request) (Message, *awsError) {
	req, aerr := decodeRequest(r)
	if aerr != nil {
		return Message{}, aerr
	}
	if req.OriginationIdentity == "" {
		return Message{}, validation("OriginationIdentity is required for voice messages")
	}
	if req.MessageBody == nil || len(*req.MessageBody) == 0 || len([]rune(*req.MessageBody)) > MaxVoiceBodyLen {
		return Message{}, validation(fmt.Sprintf("MessageBody must be 1 to %d characters", MaxVoiceBodyLen))
	}
	switch req.MessageBodyTextType {
	case "", "TEXT":
	case "SSML":
		if err := checkSSML(*req.MessageBody); err != nil {
			return Message{}, validation("MessageBody is not valid SSML: " + err.Error())
		}
	default:
		return Message{}, validation("MessageBodyTextType must be TEXT or SSML")
	}
	return Message{
		To:                  req.DestinationPhoneNumber,
		Kind:                KindVoice,
		Body:                *req.MessageBody,
		MessageID:           newID(),
		OriginationIdentity: req.OriginationIdentity,
		ConfigurationSet:    req.ConfigurationSetName,
		BodyTextType:        req.MessageBodyTextType,
		VoiceID:             req.VoiceId,
		TimeToLive:          req.TimeToLive,
		dryRun:              req.DryRun,
	}, nil
}

// checkSSML reports whether doc is one well-formed XML element named speak,
// which is what Amazon Polly (reading voice messages) insists on. Its errors
// name positions, not content, since the body holds a passcode.
func checkSSML(doc string) error {
	dec := xml.NewDecoder(strings.NewReader(doc))
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, col := dec.InputPos()
			return fmt.Errorf("not well-formed XML (line %d, column %d)", line, col)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if t.Name.Local != "speak" {
					return errors.New("the root element must be <speak>")
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside <speak>")
			}
		}
	}
	if roots != 1 {
		return errors.New("want exactly one <speak> element")
	}
	return nil
}

// newID returns a random UUID-shaped identifier, like AWS message and
// request ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func writeAWSError(w http.ResponseWriter, e awsError) {
	w.Header().Set("X-Amzn-ErrorType", e.typ)
	w.Header().Set("Content-Type", contentTypeAWSJSON)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.typ, "message": e.message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
