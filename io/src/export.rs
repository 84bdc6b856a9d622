//! Lists out: list and grid pages streamed to CSV or XLSX.
