/// This release of the package: `wavenet --version`, and stored in every checkpoint it trains
/// (`train` metadata, `written_by`), which `info` shows.
public enum Version {
    public static let current = "0.6.0"
}
