//! The page's one stylesheet (inline: no external asset).
//!
//! - The layout's columns are a CSS grid (`.cols`, tracks set per page),
//!   each column a stack of tiles sized to their content; `full` tiles
//!   span the page above the columns. Below 48rem the columns stack.
//! - Each tile is a size container: table columns of priority 3 hide below
//!   40rem of tile, priority 2 below 28rem; cells cut with an ellipsis.
//! - Text colours reach 4.5:1 on their background (WCAG AA): #1d2330 on
//!   #fff / #f4f5f7, #4f5663 (7.4:1), #a3261b (6.6:1), #1f4f99 (8:1).
//! - A print stylesheet: white page, no buttons, tiles unbroken.

pub(crate) const CSS: &str = "\
*{box-sizing:border-box}\
body{font-family:system-ui,sans-serif;margin:1rem;background:#f4f5f7;color:#1d2330;line-height:1.35}\
h1{font-size:1.4rem;margin:0 0 1rem}\
.full{display:flex;flex-direction:column;gap:1rem;margin-bottom:1rem}\
.cols{display:grid;gap:1rem;align-items:start}\
.col{display:flex;flex-direction:column;gap:1rem;min-width:0}\
@media (max-width:48rem){.cols{display:flex;flex-direction:column}.cols>.filler{display:none}.col{width:100%}}\
.tile{background:#fff;border:1px solid #c9ced6;border-radius:6px;padding:.8rem 1rem;min-width:0;container-type:inline-size}\
.tile h2{font-size:1.05rem;margin:0}\
.tile .subtitle{color:#4f5663;font-size:.85rem;margin:.1rem 0 0}\
.tile>header{margin-bottom:.6rem}\
.tile.failed{border-color:#a3261b;border-left-width:4px}\
.tile.unavailable{background:#f9fafb;border-style:dashed}\
.tile.unavailable .why{color:#4f5663;margin:0}\
.err{color:#a3261b;margin:.2rem 0}.code{color:#4f5663;font-family:monospace;font-size:.8em}\
table{border-collapse:collapse;width:100%;font-size:.9rem;table-layout:fixed}\
caption{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
th,td{border-bottom:1px solid #e3e6ea;padding:.25rem .4rem;text-align:left;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}\
th{font-weight:600;color:#4f5663;font-size:.85rem}\
th.k-date_time,th.k-date{width:7.5rem}th.k-number,th.k-money,th.k-bool{width:5rem}th.main{width:36%}\
td.num{text-align:right;font-variant-numeric:tabular-nums}\
.shown{color:#4f5663;font-size:.85rem;margin:.3rem 0 0}\
@container (max-width:40rem){.p3{display:none}}\
@container (max-width:28rem){.p2{display:none}th.k-date_time,th.k-date{width:5.8rem}th.main{width:38%}}\
ul{padding-left:1.1rem;margin:.3rem 0}li{overflow-wrap:anywhere}.sub{color:#4f5663}\
.tag{border-radius:3px;padding:0 .35rem;font-size:.85em;white-space:nowrap}\
.badge{background:#e6ecf7;color:#1d2330;border-radius:3px;padding:0 .3rem;font-size:.8em;margin-left:.3rem}\
dl{display:grid;grid-template-columns:minmax(0,auto) minmax(0,1fr);gap:.2rem .8rem;margin:0}dt{color:#4f5663}dd{margin:0;overflow-wrap:anywhere}\
.counters{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;margin:.2rem 0 .6rem}.counter b{display:block;font-size:1.5rem}\
.empty{color:#4f5663;font-style:italic}.note{margin:.3rem 0}\
.drill,.rowlink{font:inherit;color:#1f4f99;background:none;border:0;padding:0;cursor:pointer;text-decoration:underline;text-align:left}\
.drill{display:inline-block;margin-top:.5rem;font-size:.9em}\
.rowlink{max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom}\
figure{margin:.4rem 0 .8rem}figcaption{font-size:.85rem;color:#4f5663;margin-bottom:.2rem}\
svg.chart{display:block;width:100%;height:auto;max-height:11rem}\
.axis{display:flex;justify-content:space-between;font-size:.75rem;color:#4f5663}\
.legend{display:flex;flex-wrap:wrap;gap:.2rem .9rem;font-size:.8rem;margin:.3rem 0 0;padding:0;list-style:none}\
.legend li{overflow-wrap:normal}.sw{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.3rem;vertical-align:middle}\
.spark{display:flex;align-items:center;gap:.6rem;margin:.3rem 0}.spark b{font-size:1.3rem}.spark svg{width:7rem;height:1.8rem;flex:none}\
.spark span{min-width:0;overflow-wrap:anywhere}\
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
@media print{body{background:#fff;margin:0}.tile{break-inside:avoid;border-color:#888}\
button.drill,a.drill{display:none}.rowlink{color:inherit;text-decoration:none}.cols{display:block}.col{margin-bottom:1rem}}";

#[cfg(test)]
mod tests {
    use super::CSS;

    /// WCAG relative luminance of `#rrggbb` or `#rgb`.
    fn luminance(hex: &str) -> f64 {
        let h: String = if hex.len() == 3 { hex.chars().flat_map(|c| [c, c]).collect() } else { hex.to_string() };
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&h[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn every_text_colour_reaches_wcag_aa_on_every_background() {
        let backgrounds = ["fff", "f4f5f7", "f9fafb", "e6ecf7"];
        let mut seen = 0;
        for (i, _) in CSS.match_indices("color:#") {
            // `color:` itself, not `background:` or `border-color:`.
            if CSS[..i].ends_with('-') {
                continue;
            }
            let hex: String = CSS[i + 7..].chars().take_while(char::is_ascii_hexdigit).collect();
            for bg in backgrounds {
                assert!(contrast(&hex, bg) >= 4.5, "#{hex} on #{bg}: {:.2}", contrast(&hex, bg));
            }
            seen += 1;
        }
        assert!(seen >= 8, "{seen} text colours");
    }

    #[test]
    fn chart_colours_reach_3_to_1_on_white() {
        for c in super::super::chart::PALETTE {
            assert!(contrast(&c[1..], "fff") >= 3.0, "{c}");
        }
    }
}
