//! What the XML fuzz targets share: read the input as a capture and visit every
//! element of it, top-level items and their descendants, in document order.

use minidom::Element;
use xep_core::xml::{Limits, parse_items};

/// Calls `check` on every element of the input; input the capture reader refuses is
/// skipped (that reader has its own target).
pub fn each_element(data: &[u8], mut check: impl FnMut(&Element)) {
    let Ok(items) = parse_items(data, &Limits::default()) else {
        return;
    };
    // An explicit stack: the reader bounds depth, but the walk need not rely on it.
    let mut stack: Vec<&Element> = items.iter().rev().map(|i| &i.element).collect();
    while let Some(element) = stack.pop() {
        check(element);
        let children: Vec<&Element> = element.children().collect();
        stack.extend(children.into_iter().rev());
    }
}
