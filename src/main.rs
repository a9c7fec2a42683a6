fn main() -> std::process::ExitCode {
    patroni_bake::commands::main()
}
