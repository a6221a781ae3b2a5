package msgtemplates

import (
	"fmt"

	"github.com/tabiji/tabiji/emailblocks"
)

// CompileBlocks makes an email's HTML and Text from its Blocks (and
// Preheader, and the sender in From and FromName), when it has blocks;
// other content is left as it is. lang is the html element's language
// ("" for none). The content was validated by Parse.
func (c *Content) CompileBlocks(lang string) error {
	e := c.Email
	if e == nil || len(e.Blocks) == 0 {
		return nil
	}
	html, text, err := emailblocks.Compile(emailblocks.Email{
		Subject: e.Subject, Preheader: e.Preheader, Blocks: e.Blocks, Lang: lang,
		Sender: emailblocks.Sender{Name: e.FromName, Address: e.From},
	})
	if err != nil {
		return fmt.Errorf("msgtemplates: compile the email's blocks: %w", err)
	}
	e.HTML, e.Text = html, text
	return nil
}
