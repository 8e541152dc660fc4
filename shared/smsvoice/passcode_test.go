package smsvoice_test

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"push-reactivation/shared/smsvoice"
)

// speakText parses doc as XML (failing the test if it is not well formed)
// and returns its root element's name and the text inside say-as elements.
func speakText(t *testing.T, doc string) (root string, sayAs []string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	var stack []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				root = tk.Name.Local
			}
			stack = append(stack, tk.Name.Local)
			if tk.Name.Local == "say-as" {
				sayAs = append(sayAs, "")
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "say-as" {
				sayAs[len(sayAs)-1] += string(tk)
			}
		}
	}
	return root, sayAs
}

func TestPasscodeSSML(t *testing.T) {
	for _, code := range []string{"1234567", "0000000", "000001", "99999999"} {
		t.Run(code, func(t *testing.T) {
			doc := smsvoice.PasscodeSSML(code)
			root, said := speakText(t, doc)
			if root != "speak" {
				t.Errorf("root element %q, want speak", root)
			}
			if len(said) != 2 || said[0] != code || said[1] != code {
				t.Errorf("say-as contents %q, want the passcode twice", said)
			}
			if !strings.Contains(doc, `interpret-as="digits"`) {
				t.Errorf("passcode not read as digits: %s", doc)
			}
			if got, ok := smsvoice.ExtractPasscode(doc); !ok || got != code {
				t.Errorf("ExtractPasscode(PasscodeSSML(%s)) = %q, %v", code, got, ok)
			}
		})
	}
}

func TestPasscodeSSMLEscapes(t *testing.T) {
	hostile := `1</say-as><audio src="https://evil.example/x.mp3"/>&amp;"'`
	root, said := speakText(t, smsvoice.PasscodeSSML(hostile))
	if root != "speak" || len(said) != 2 || said[0] != hostile {
		t.Errorf("escaping broke the document: root %q, say-as %q", root, said)
	}
}

func TestPasscodeText(t *testing.T) {
	text := smsvoice.PasscodeText("7654321")
	if got, ok := smsvoice.ExtractPasscode(text); !ok || got != "7654321" {
		t.Errorf("ExtractPasscode(%q) = %q, %v", text, got, ok)
	}
	if !strings.Contains(text, "5 minutes") {
		t.Errorf("text %q does not say how long the passcode lives", text)
	}
	if len(text) > 160 {
		t.Errorf("text is %d characters, more than one SMS segment", len(text))
	}
}

func TestExtractPasscode(t *testing.T) {
	tests := []struct {
		body   string
		want   string
		wantOK bool
	}{
		{"Duo passcode: 1234567. It expires in 5 minutes.", "1234567", true},
		{"123456", "123456", true},
		{"12345678", "12345678", true},
		{"12345", "", false},
		{"123456789", "", false},
		{"call +15555550100, code 654321", "654321", true},
		{"first 111111 then 222222", "111111", true},
		{`<say-as interpret-as="digits">0012345</say-as>`, "0012345", true},
		{"no digits at all", "", false},
		{"", "", false},
		{"١٢٣٤٥٦٧", "", false}, // non-ASCII digits are not a passcode
	}
	for _, tt := range tests {
		got, ok := smsvoice.ExtractPasscode(tt.body)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ExtractPasscode(%q) = %q, %v; want %q, %v", tt.body, got, ok, tt.want, tt.wantOK)
		}
	}
}
