//! Prints the SIMD levels this CPU supports (the ones the suites force one
//! by one) and the one dispatch picks by default.

fn main() {
    let names: Vec<&str> = simkern::Level::available().iter().map(|l| l.name()).collect();
    println!("SIMD levels under test: {} (default: {})", names.join(", "), simkern::Level::best().name());
}
