package emailblocks

// stylesheet is inlined by premailer into each element; the media queries
// stay in the head: the phone layout (under 620px the container takes the
// width and products stack) and the dark scheme (mail clients that honour
// prefers-color-scheme; the others darken the light colours themselves,
// which these soft greys and the white text on buttons survive).
const stylesheet = `
body { margin: 0; padding: 0; background-color: #f4f4f7; -webkit-text-size-adjust: 100%; }
.preheader { ` + preheaderCSS + ` }
.wrapper { background-color: #f4f4f7; width: 100%; }
.wrapper-cell { padding: 24px 8px; }
.container { width: 600px; max-width: 600px; background-color: #ffffff; border-radius: 8px; }
.block { padding: 16px 24px; font-family: -apple-system, 'Segoe UI', 'Hiragino Sans', 'Noto Sans JP', Meiryo, Arial, sans-serif; font-size: 16px; line-height: 1.6; color: #1f2430; }
.header { background-color: #1a73e8; color: #ffffff; text-align: center; padding: 24px; border-radius: 8px 8px 0 0; }
.title { margin: 8px 0 0; font-size: 24px; line-height: 1.3; font-weight: bold; color: #ffffff; }
.logo { display: block; margin: 0 auto; border: 0; height: 40px; }
.para { margin: 0 0 12px; }
.image-cell { padding: 0 24px; }
.image { display: block; width: 100%; max-width: 552px; height: auto; border: 0; border-radius: 4px; }
.button-cell { text-align: center; padding: 16px 24px 24px; }
.button-bg { background-color: #1a73e8; border-radius: 6px; text-align: center; }
.button-link { display: inline-block; padding: 12px 28px; color: #ffffff; font-weight: bold; text-decoration: none; border-radius: 6px; background-color: #1a73e8; }
.product { padding: 8px; text-align: center; }
.product-image { display: block; width: 100%; max-width: 260px; height: auto; margin: 0 auto; border: 0; border-radius: 4px; }
.product-name { margin: 8px 0 0; font-weight: bold; }
.product-price { margin: 4px 0 0; color: #c5221f; }
.product-link { color: #1a73e8; text-decoration: underline; }
.coupon { border: 2px dashed #1a73e8; border-radius: 8px; }
.coupon-inner { padding: 16px; text-align: center; }
.coupon-text { margin: 0 0 8px; }
.code { margin: 0; font-family: Menlo, Consolas, monospace; font-size: 24px; font-weight: bold; letter-spacing: 2px; color: #1a73e8; }
.footer { font-size: 12px; line-height: 1.5; color: #6b7280; text-align: center; border-top: 1px solid #e5e7eb; padding: 16px 24px 24px; }
.sender { margin: 0 0 6px; font-weight: bold; }
.footer-text { margin: 0 0 6px; }
.unsubscribe { color: #6b7280; text-decoration: underline; }
@media only screen and (max-width: 620px) {
  .container { width: 100% !important; border-radius: 0 !important; }
  .wrapper-cell { padding: 0 !important; }
  .block { padding: 12px 16px !important; }
  .product { display: block !important; width: 100% !important; box-sizing: border-box; }
  .title { font-size: 20px !important; }
}
@media (prefers-color-scheme: dark) {
  body, .wrapper { background-color: #111318 !important; }
  .container { background-color: #1d2026 !important; }
  .block { color: #e8eaed !important; }
  .footer, .unsubscribe { color: #9aa0a6 !important; }
  .product-link, .code { color: #8ab4f8 !important; }
  .coupon { border-color: #8ab4f8 !important; }
}
`
