fn main() -> std::process::ExitCode {
    poolbench::cli::main()
}
