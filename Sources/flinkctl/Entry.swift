import FlinkctlCLI

@main
struct Entry {
    static func main() async {
        await Flinkctl.main(nil)
    }
}
