package signupforms

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("form").Parse(pageHTML))

// css is the page's only style; the page has no script.
const css = `body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:28rem;margin:2rem auto;padding:0 1rem}body.embed main{margin:0 auto}
h1{font-size:1.4rem}.field{margin:1rem 0}label{display:block;margin-bottom:.3rem}
input[type=email],input[type=text]{box-sizing:border-box;width:100%;padding:.5rem;font-size:1rem;border:1px solid #767676;border-radius:4px}
.consent{display:flex;gap:.5rem;align-items:flex-start}.consent label{display:inline;margin:0}.consent input{margin-top:.25rem}
.req{font-size:.8rem;color:#a00}button{padding:.6rem 1.4rem;font-size:1rem;background:#1b4f9c;color:#fff;border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}#errors{border:2px solid #a00;padding:.5rem 1rem;margin:1rem 0}#errors a{color:#a00}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}`

// StyleHash is the Content-Security-Policy source that allows the page's
// style and nothing else.
var StyleHash = func() string {
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// copyText is the page's fixed text per language.
var copyText = map[string]map[string]string{
	"ja": {"email": "メールアドレス", "name": "お名前", "required": "（必須）", "submit": "登録する",
		"thanks": "ご登録ありがとうございます。", "confirm": "確認メールをお送りしました。メール内のリンクから登録を完了してください。",
		"fix": "入力内容をご確認ください。", "err.email": "正しいメールアドレスを入力してください",
		"err.name": "100文字以内で入力してください", "err.consent": "登録には同意が必要です", "consent": "同意"},
	"en": {"email": "Email address", "name": "Name", "required": "(required)", "submit": "Sign up",
		"thanks": "Thank you for signing up.", "confirm": "We have sent you an email: follow its link to confirm your sign-up.",
		"fix": "Please check what you entered.", "err.email": "enter an email address, such as hanako@example.jp",
		"err.name": "use at most 100 characters", "err.consent": "tick the box to agree, or we cannot sign you up", "consent": "Consent"},
}

// PageInput is what a page shows: the form in one language, and after a
// submission what was sent and what was wrong, or that it is done.
type PageInput struct {
	Form        store.SignupForm
	Lang        string
	Action      string // the URL the form posts to
	Page        string // the embedding page, passed on as evidence
	Embed       bool
	Email, Name string
	Err         error // a submission's jsonfields.Errors
	Done        bool
}

type pageError struct{ Field, Label, Message string }

// RenderPage writes the form's page.
func RenderPage(w io.Writer, in PageInput) error {
	t := copyText[in.Lang]
	data := map[string]any{
		"Lang": in.Lang, "Title": in.Form.Title[in.Lang], "Wording": in.Form.Wording[in.Lang], "CSS": template.CSS(css), //nolint:gosec // G203: css is the page's own constant stylesheet, never user input
		"Form": in.Form, "T": t, "Action": in.Action, "Page": in.Page, "Embed": in.Embed,
		"Email": in.Email, "Name": in.Name, "Done": in.Done,
	}
	var errs jsonfields.Errors
	if errors.As(in.Err, &errs) {
		bad, list := map[string]bool{}, []pageError{}
		for _, e := range errs {
			field := strings.SplitN(e.Field, ".", 2)[0]
			if bad[field] {
				continue
			}
			bad[field] = true
			list = append(list, pageError{Field: field, Label: t[field], Message: t["err."+field]})
		}
		data["Errors"], data["Bad"] = list, bad
	}
	return pageTemplate.Execute(w, data)
}
