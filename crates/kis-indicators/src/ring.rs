//! Fixed-capacity ring buffer: the last `capacity` values, oldest first.

#[derive(Debug, Clone)]
pub(crate) struct Ring<T> {
    buf: Vec<T>,
    capacity: usize,
    /// Slot the next push writes; once full it is also the oldest value.
    next: usize,
}

impl<T: Copy> Ring<T> {
    /// `capacity` must be at least 1 (callers validate periods first).
    pub(crate) fn new(capacity: usize) -> Self {
        Self { buf: Vec::with_capacity(capacity), capacity, next: 0 }
    }

    pub(crate) fn is_full(&self) -> bool {
        self.buf.len() >= self.capacity
    }

    /// Appends `value`, returning the value it displaced once the ring is full.
    pub(crate) fn push(&mut self, value: T) -> Option<T> {
        let evicted = if self.is_full() {
            self.buf.get_mut(self.next).map(|slot| std::mem::replace(slot, value))
        } else {
            self.buf.push(value);
            None
        };
        self.next = if self.next + 1 >= self.capacity { 0 } else { self.next + 1 };
        evicted
    }

    /// The oldest value held (the one the next push will displace when full).
    pub(crate) fn oldest(&self) -> Option<T> {
        if self.is_full() { self.buf.get(self.next).copied() } else { self.buf.first().copied() }
    }

    /// Values from oldest to newest.
    pub(crate) fn iter(&self) -> impl Iterator<Item = T> + '_ {
        let split = if self.is_full() { self.next } else { 0 };
        let (newer, older) = self.buf.split_at(split.min(self.buf.len()));
        older.iter().chain(newer.iter()).copied()
    }

    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.next = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::Ring;

    #[test]
    fn keeps_the_last_values_in_order() {
        let mut ring = Ring::new(3);
        assert_eq!(ring.push(1), None);
        assert_eq!(ring.push(2), None);
        assert_eq!(ring.oldest(), Some(1));
        assert_eq!(ring.push(3), None);
        assert!(ring.is_full());
        assert_eq!(ring.push(4), Some(1));
        assert_eq!(ring.push(5), Some(2));
        assert_eq!(ring.oldest(), Some(3));
        assert_eq!(ring.iter().collect::<Vec<_>>(), vec![3, 4, 5]);
        ring.clear();
        assert_eq!(ring.iter().count(), 0);
        assert_eq!(ring.oldest(), None);
    }
}
