/// The frame network of local conditioning (MODEL_SPEC.md, "Local conditioning"): two width-3
/// convolutions with tanh at frame rate, zero-padded like PyTorch's `Conv1d`.
///
///     a = tanh(conv1(u)),  u: [frames, F] -> a: [frames, C]
///     b = tanh(conv2(a)),  a: [frames, C] -> b: [frames, C]
///
/// Kernel tap k reads frame `f + k - lead`: `lead` is 1 for a centred (non-causal) model, whose
/// `b[f]` sees frames f-2...f+2, and 2 for a causal one, whose `b[f]` sees f-4...f. Frames outside
/// the ones passed are zeros, so a caller that needs exact values for a window passes the frames
/// of context around it (4 before and 2 after cover both kinds).
///
/// Weights are in PyTorch layout: `weight[c][j][k]` at `(c * inputs + j) * 3 + k`.
public enum FrameNetwork {
    /// One convolution with tanh: y[f] = tanh(bias + Σ_k W[:, :, k] · x[f + k - lead]).
    ///   x: [frames, I] -> y: [frames, O]
    @inline(__always)
    static func convolutionForward(frames: Int, inputs I: Int, outputs O: Int, lead: Int,
                                   _ x: UnsafePointer<Float>, weight W: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                   _ y: UnsafeMutablePointer<Float>) {
        for f in 0..<frames {
            for o in 0..<O {
                var sum = bias[o]
                for k in 0..<3 {
                    let g = f + k - lead
                    guard g >= 0 && g < frames else { continue }
                    let row = x + g * I, w = W + o * I * 3 + k
                    for j in 0..<I { sum += w[j * 3] * row[j] }
                }
                y[f * O + o] = tanh1(sum)
            }
        }
    }

    /// The gradient of `convolutionForward` given dL/dy: accumulates dW, dbias and (when `dx` is
    /// given) dx. `y` is the forward's output (tanh' = 1 - y²); `dy` is overwritten by dL/dpre.
    @inline(__always)
    static func convolutionBackward(frames: Int, inputs I: Int, outputs O: Int, lead: Int,
                                    _ x: UnsafePointer<Float>, weight W: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                                    _ dy: UnsafeMutablePointer<Float>, dWeight dW: UnsafeMutablePointer<Float>,
                                    dBias: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        for i in 0..<frames * O { dy[i] *= 1 - y[i] * y[i] }
        for f in 0..<frames {
            for o in 0..<O {
                let d = dy[f * O + o]
                guard d != 0 else { continue }
                dBias[o] += d
                for k in 0..<3 {
                    let g = f + k - lead
                    guard g >= 0 && g < frames else { continue }
                    let row = x + g * I, w = W + o * I * 3 + k, gw = dW + o * I * 3 + k
                    for j in 0..<I { gw[j * 3] += d * row[j] }
                    if let dx {
                        let drow = dx + g * I
                        for j in 0..<I { drow[j] += d * w[j * 3] }
                    }
                }
            }
        }
    }

    /// Both convolutions.   u: [frames, F] -> a, b: [frames, C]
    public static func forward(frames: Int, channels F: Int, hidden C: Int, causal: Bool, _ u: UnsafePointer<Float>,
                               conv1Weight: UnsafePointer<Float>, conv1Bias: UnsafePointer<Float>,
                               conv2Weight: UnsafePointer<Float>, conv2Bias: UnsafePointer<Float>,
                               a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>) {
        let lead = causal ? 2 : 1
        convolutionForward(frames: frames, inputs: F, outputs: C, lead: lead, u, weight: conv1Weight, bias: conv1Bias, a)
        convolutionForward(frames: frames, inputs: C, outputs: C, lead: lead, UnsafePointer(a), weight: conv2Weight, bias: conv2Bias, b)
    }

    /// Accumulates the weight gradients of both convolutions given dL/db (overwritten, like
    /// `scratch`, which must hold [frames, C] and is zeroed here). The features get no gradient.
    public static func backward(frames: Int, channels F: Int, hidden C: Int, causal: Bool, _ u: UnsafePointer<Float>,
                                conv1Weight: UnsafePointer<Float>, conv2Weight: UnsafePointer<Float>,
                                a: UnsafePointer<Float>, b: UnsafePointer<Float>, db: UnsafeMutablePointer<Float>,
                                scratch da: UnsafeMutablePointer<Float>,
                                dConv1Weight: UnsafeMutablePointer<Float>, dConv1Bias: UnsafeMutablePointer<Float>,
                                dConv2Weight: UnsafeMutablePointer<Float>, dConv2Bias: UnsafeMutablePointer<Float>) {
        let lead = causal ? 2 : 1
        da.update(repeating: 0, count: frames * C)
        convolutionBackward(frames: frames, inputs: C, outputs: C, lead: lead, a, weight: conv2Weight, b, db,
                            dWeight: dConv2Weight, dBias: dConv2Bias, dx: da)
        convolutionBackward(frames: frames, inputs: F, outputs: C, lead: lead, u, weight: conv1Weight, a, da,
                            dWeight: dConv1Weight, dBias: dConv1Bias, dx: nil)
    }
}
