//! Names of the library's unit enums: the serde name (what model files store) is the one name,
//! and `FromStr` / `Display` / `ALL` come from it, so parsing, printing and files agree.

/// Implements `ALL`, `name()`, `FromStr` and `Display` for a unit enum through its serde name;
/// an unknown name is [`crate::InklineError::UnknownName`] listing the known ones.
macro_rules! serde_names {
    ($ty:ident, $what:expr, [$($variant:ident),+ $(,)?]) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The name stored in model files and accepted on command lines.
            pub fn name(self) -> String {
                match serde_json::to_value(self) {
                    Ok(serde_json::Value::String(s)) => s,
                    _ => unreachable!("a unit variant serializes to a string"),
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::InklineError;

            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.name() == s).ok_or_else(|| {
                    $crate::InklineError::UnknownName {
                        what: $what,
                        name: s.to_string(),
                        known: Self::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", "),
                    }
                })
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.name())
            }
        }
    };
}

pub(crate) use serde_names;
