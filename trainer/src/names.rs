//! Names of the trainer's enums: the command-line name that clap derives (`ValueEnum`) is the
//! one name, used for parsing, printing, file names and tables.

use clap::ValueEnum;

/// The command-line name of a value, e.g. `handwriting` or `cnn-mah`.
pub trait Named: ValueEnum {
    /// The name.
    fn name(&self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }

    /// Parses a name (exact case); the error lists the known names.
    fn parse_name(s: &str) -> anyhow::Result<Self> {
        Self::from_str(s, false).map_err(|_| {
            let known: Vec<String> = Self::value_variants().iter().map(Named::name).collect();
            anyhow::anyhow!("unknown name '{s}' (known: {})", known.join(", "))
        })
    }
}

impl<T: ValueEnum> Named for T {}
