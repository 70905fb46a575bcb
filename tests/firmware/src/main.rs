//! Built for `thumbv7em-none-eabihf`: the firmware. It runs every case of
//! [`cases`] at the best (on a Cortex-M, the portable) level and prints
//! `name 0x<f64 bits>` per result over semihosting, then exits qemu.
//!
//! Built for the host: the checker. `simkern-firmware LOG` runs the same
//! cases at the portable level and compares them, line by line, with the
//! firmware's log within each case's tolerance; it exits non-zero on any
//! difference, a missing line or a log that did not reach its end.
#![cfg_attr(target_os = "none", no_std, no_main)]

mod cases;
#[cfg(all(target_os = "none", feature = "count"))]
mod count;

#[cfg(all(target_os = "none", not(feature = "panic-free")))]
mod firmware {
    use cortex_m_rt::entry;
    use cortex_m_semihosting::{debug, hprintln};

    use crate::cases::{self, Sink, Tol};

    struct Semihosting;

    impl Sink for Semihosting {
        fn put(&mut self, name: &'static str, value: f64, _tol: Tol) {
            hprintln!("{} 0x{:016x}", name, value.to_bits());
        }
    }

    #[entry]
    fn main() -> ! {
        #[cfg(feature = "count")]
        {
            crate::count::dot_fast_19();
            debug::exit(debug::EXIT_SUCCESS);
        }
        cases::run(simkern_core::Kernels::best(), &mut Semihosting);
        #[cfg(feature = "print-error")]
        {
            let e = simkern_core::similarity::dot(&[1.0f32], &[]).unwrap_err();
            hprintln!("error: {}", e);
        }
        hprintln!("end");
        debug::exit(debug::EXIT_SUCCESS);
        crate::halt()
    }

    mod panic_exit {
        use core::panic::PanicInfo;
        use cortex_m_semihosting::{debug, hprintln};

        #[panic_handler]
        fn panic(info: &PanicInfo) -> ! {
            hprintln!("panic: {}", info);
            debug::exit(debug::EXIT_FAILURE);
            crate::halt()
        }
    }
}

/// The link check: nothing printed (formatting has panic paths of its
/// own), results folded into a volatile checksum, and a panic handler that
/// calls a function no library defines. If optimisation leaves any panic
/// path in the kernels, the link fails naming `simkern_core_panics`.
#[cfg(all(target_os = "none", feature = "panic-free"))]
mod firmware {
    use core::panic::PanicInfo;
    use cortex_m_rt::entry;
    use cortex_m_semihosting::debug;

    use crate::cases::{self, Sink, Tol};

    struct Checksum(u64);

    impl Sink for Checksum {
        fn put(&mut self, _name: &'static str, value: f64, _tol: Tol) {
            self.0 = self.0.rotate_left(7) ^ value.to_bits();
        }
    }

    #[entry]
    fn main() -> ! {
        let mut sum = Checksum(0);
        cases::run(simkern_core::Kernels::best(), &mut sum);
        core::hint::black_box(sum.0);
        debug::exit(debug::EXIT_SUCCESS);
        crate::halt()
    }

    #[panic_handler]
    fn panic(_: &PanicInfo) -> ! {
        unsafe extern "C" {
            /// Defined nowhere: a reference to it that survives the link
            /// is a panic path that survived optimisation.
            fn simkern_core_panics() -> !;
        }
        // SAFETY: never executed; the link fails first if this is reachable.
        unsafe { simkern_core_panics() }
    }
}

/// After semihosting's exit (which returns only if the host ignores it).
#[cfg(target_os = "none")]
fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}

#[cfg(not(target_os = "none"))]
mod checker;

#[cfg(not(target_os = "none"))]
fn main() -> std::process::ExitCode {
    checker::main()
}
