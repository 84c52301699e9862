import Glibc

/// How generation holds the weights: float (the model's own values), or IEEE half precision for
/// the fused kernel, half the bytes read per sample at about 1e-3 relative error in each weight
/// (`--precision half`; tests state the tolerance).
public enum WeightPrecision: String, CaseIterable, Sendable {
    case float, half

    /// The precision `--precision auto` takes. One step reads every weight once, so where one
    /// core's L2 cannot hold the float weights they stream from L3 and bound the speed (the
    /// vocoder's 2.0 MB ran at 0.8x real time on a 1.25 MB-L2 Xeon, 2.1x in half precision);
    /// half was then 2.7x faster for one stream, 1.5x for eight. Where they fit, float keeps the model's
    /// values exactly. The plain path converts halves in software, so it keeps float.
    /// - l2CacheBytes: one core's L2; nil (unknown) keeps float.
    public static func automatic(for config: ModelConfig, path: KernelPath = .current,
                                 l2CacheBytes: Int? = CPUCache.l2Bytes) -> WeightPrecision {
        guard path != .plain, let l2CacheBytes else { return .float }
        return GeneratorWeights.bytesReadPerStep(config, precision: .float) > l2CacheBytes ? .half : .float
    }
}

/// This machine's cache sizes, as the C library reports them (from CPUID on x86).
public enum CPUCache {
    /// One core's L2 cache in bytes, or nil where the system does not say.
    public static let l2Bytes: Int? = {
        let bytes = sysconf(Int32(_SC_LEVEL2_CACHE_SIZE))
        return bytes > 0 ? bytes : nil
    }()
}
