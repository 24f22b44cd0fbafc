//! Scripted faults on the way back from the network: a reply that arrives late, or twice.
//! The network answers as usual; the runtime asks here how to deliver the answer (scenario
//! files use this for "reply delayed" and "reply duplicated").

use super::{Call, Network};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyShape {
    /// The reply arrives this much later than the network's own latency.
    Delay(Duration),
    /// The reply arrives twice (a retransmission), the copy 50 ms after the original.
    Duplicate,
}

impl Network {
    /// Queues `shape` for the next reply of `call` (shapes queue up like faults).
    pub fn shape_next_reply(&mut self, call: Call, shape: ReplyShape) {
        self.reply_shapes.push_back((call, shape));
    }

    /// The shape for the reply of `call` being delivered now, if one is queued.
    pub fn take_reply_shape(&mut self, call: Call) -> Option<ReplyShape> {
        let pos = self.reply_shapes.iter().position(|(c, _)| *c == call)?;
        self.reply_shapes.remove(pos).map(|(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> Network {
        crate::harness::demo_network(7).expect("network")
    }

    #[test]
    fn shapes_queue_per_call_in_order() {
        let mut n = network();
        n.shape_next_reply(Call::Pay, ReplyShape::Duplicate);
        n.shape_next_reply(Call::Query, ReplyShape::Delay(Duration::from_secs(4)));
        n.shape_next_reply(Call::Pay, ReplyShape::Delay(Duration::from_secs(1)));
        assert_eq!(n.take_reply_shape(Call::Cancel), None);
        assert_eq!(n.take_reply_shape(Call::Pay), Some(ReplyShape::Duplicate));
        assert_eq!(
            n.take_reply_shape(Call::Pay),
            Some(ReplyShape::Delay(Duration::from_secs(1)))
        );
        assert_eq!(n.take_reply_shape(Call::Pay), None);
        assert_eq!(
            n.take_reply_shape(Call::Query),
            Some(ReplyShape::Delay(Duration::from_secs(4)))
        );
    }
}
