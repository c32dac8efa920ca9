//! Which vector width the two largest kernels (the recurrence's panel products and the direct
//! convolutions) run with on this CPU: chosen once per process by timing every width the CPU
//! has on a small problem of each kind (a few milliseconds), since the faster one differs
//! between CPU families (on an AMD EPYC AVX-512 was slower than AVX2 for some kernels; on an
//! Intel Xeon both units are shared with the FMA ports). `INKLINE_VECTORS=avx512|avx2|plain`
//! fixes the choice instead (for benchmarks and tests).

use std::sync::OnceLock;
use web_time::Instant;

/// A vector instruction set a kernel can run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// AVX-512F with FMA: 16 floats a vector, 32 registers.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// AVX2 with FMA: 8 floats a vector, 16 registers.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// The build's own vectors (wasm simd128, x86-64's SSE2), without fused multiply-adds.
    Plain,
}

impl Isa {
    /// Every instruction set this CPU runs, widest first.
    pub fn available() -> Vec<Isa> {
        #[cfg(target_arch = "x86_64")]
        {
            let fma = std::is_x86_feature_detected!("fma");
            let wide = [
                (Isa::Avx512, std::is_x86_feature_detected!("avx512f")),
                (Isa::Avx2, std::is_x86_feature_detected!("avx2")),
            ];
            wide.into_iter()
                .filter(|&(_, has)| has && fma)
                .map(|(isa, _)| isa)
                .chain([Isa::Plain])
                .collect()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            vec![Isa::Plain]
        }
    }

    /// Its name, as `INKLINE_VECTORS` spells it.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => "avx512",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => "avx2",
            Isa::Plain => "plain",
        }
    }
}

/// The instruction set of each tuned kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choices {
    /// The recurrence's panel products ([`super::matmul::Panels`]).
    pub recurrence: Isa,
    /// The direct convolutions ([`super::direct_conv`]).
    pub convolution: Isa,
    /// Whether the choice was timed here (false: only one candidate, or `INKLINE_VECTORS`).
    pub timed: bool,
}

/// This process's choices, timed on first use.
pub fn choices() -> Choices {
    static CHOICES: OnceLock<Choices> = OnceLock::new();
    *CHOICES.get_or_init(choose)
}

fn choose() -> Choices {
    let available = Isa::available();
    let fixed = std::env::var("INKLINE_VECTORS")
        .ok()
        .and_then(|v| available.iter().copied().find(|i| i.name() == v.trim()));
    if let Some(isa) = fixed.or((available.len() == 1).then_some(available[0])) {
        return Choices {
            recurrence: isa,
            convolution: isa,
            timed: false,
        };
    }
    // Plain vectors never beat AVX2 with FMA: the contest is between the wide ones.
    let wide: Vec<Isa> = available.into_iter().filter(|&i| i != Isa::Plain).collect();
    Choices {
        recurrence: fastest(&wide, super::matmul::probe_recurrence),
        convolution: fastest(&wide, super::direct_conv::probe_convolution),
        timed: true,
    }
}

/// The candidate whose `run` takes least time: each run once to warm up, then three rounds in
/// turn, the best of each candidate's rounds counting (what a busy core adds is noise).
fn fastest(candidates: &[Isa], run: fn(Isa)) -> Isa {
    for &isa in candidates {
        run(isa);
    }
    let mut best = vec![f64::INFINITY; candidates.len()];
    for _ in 0..3 {
        for (b, &isa) in best.iter_mut().zip(candidates) {
            let start = Instant::now();
            run(isa);
            *b = b.min(start.elapsed().as_secs_f64());
        }
    }
    let at = (0..candidates.len())
        .min_by(|&a, &b| best[a].total_cmp(&best[b]))
        .unwrap_or(0);
    candidates.get(at).copied().unwrap_or(Isa::Plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choices_are_instruction_sets_this_cpu_has() {
        let c = choices();
        let available = Isa::available();
        assert!(available.contains(&c.recurrence) && available.contains(&c.convolution));
        assert_eq!(available.last(), Some(&Isa::Plain));
        // Timed only when two wide candidates compete; never plain when a wide one exists.
        if available.len() > 1 && std::env::var_os("INKLINE_VECTORS").is_none() {
            assert_ne!(c.recurrence, Isa::Plain);
            assert_ne!(c.convolution, Isa::Plain);
        }
    }

    #[test]
    fn the_fastest_candidate_is_picked() {
        let slow_last = |isa: Isa| {
            if isa == Isa::Plain {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        };
        let candidates = Isa::available();
        if candidates.len() > 1 {
            assert_ne!(fastest(&candidates, slow_last), Isa::Plain);
        }
        assert_eq!(fastest(&[Isa::Plain], slow_last), Isa::Plain);
    }
}
