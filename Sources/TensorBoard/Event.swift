/// TensorBoard's `Event` protobuf (tensorflow/core/util/event.proto) for the summaries a training
/// run writes, encoded field by field as protobuf's own serializer orders them (by field number),
/// so that the bytes equal `torch.utils.tensorboard.SummaryWriter`'s.
public enum Event {
    // Event: wall_time 1 (double), step 2 (int64), file_version 3, summary 5, session_log 7, source_metadata 10.
    // Summary: value 1. Summary.Value: tag 1, simple_value 2, audio 6, tensor 8, metadata 9.

    /// The first event of every file, naming its writer (source_metadata 10, writer 1).
    public static func fileVersion(wallTime: Double, writer: String = "wavenet") -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        event.string(3, "brain.Event:2")
        event.message(10) { $0.string(1, writer) }
        return event.bytes
    }

    /// A scalar as `simple_value` (SummaryWriter.add_scalar's default form).
    public static func scalar(_ tag: String, _ value: Float, step: Int, wallTime: Double) -> [UInt8] {
        summary(step: step, wallTime: wallTime) { summaryValue in
            summaryValue.string(1, tag)
            summaryValue.float(2, value)
        }
    }

    /// Text as the text plugin reads it (SummaryWriter.add_text): tag + "/text_summary", a
    /// one-element DT_STRING tensor, plugin "text".
    public static func text(_ tag: String, _ text: String, step: Int, wallTime: Double) -> [UInt8] {
        summary(step: step, wallTime: wallTime) { summaryValue in
            summaryValue.string(1, tag + "/text_summary")
            summaryValue.message(8) { tensor in       // TensorProto
                tensor.int64(1, 7)                      // dtype DT_STRING
                tensor.message(2) { shape in            // TensorShapeProto
                    shape.message(2) { $0.int64(1, 1) } // dim { size: 1 }
                }
                tensor.bytes(8, Array(text.utf8))       // string_val
            }
            summaryValue.message(9) { metadata in      // SummaryMetadata
                metadata.message(1) { $0.string(1, "text") } // plugin_data { plugin_name }
            }
        }
    }

    /// Mono audio as a 16-bit WAV (SummaryWriter.add_audio): samples clipped to [-1, 1] and
    /// scaled by 32767, truncated toward zero as numpy's astype does.
    public static func audio(_ tag: String, _ samples: [Float], sampleRate: Int, step: Int, wallTime: Double) -> [UInt8] {
        summary(step: step, wallTime: wallTime) { summaryValue in
            summaryValue.string(1, tag)
            summaryValue.message(6) { audio in
                audio.float(1, Float(sampleRate))
                audio.int64(2, 1)
                audio.int64(3, Int64(samples.count))
                audio.bytes(4, WAV.pcm16(samples, sampleRate: sampleRate))
                audio.string(5, "audio/wav")
            }
        }
    }

    /// SessionLog START at `step`: TensorBoard drops what earlier files logged at this step and
    /// after (the steps an interrupted run logged past its last checkpoint).
    public static func sessionStart(step: Int, wallTime: Double) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        if step != 0 { event.int64(2, Int64(step)) }
        event.message(7) { $0.int64(1, 1) }  // status: START
        return event.bytes
    }

    static func summary(step: Int, wallTime: Double, _ value: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        if step != 0 { event.int64(2, Int64(step)) }
        event.message(5) { summary in summary.message(1, value) }
        return event.bytes
    }
}

/// The bytes of a mono 16-bit PCM WAV file, as Python's `wave` module writes them.
public enum WAV {
    public static func pcm16(_ samples: [Float], sampleRate: Int) -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        let dataBytes = UInt32(2 * samples.count)
        out += Array("RIFF".utf8); u32(36 + dataBytes); out += Array("WAVE".utf8)
        out += Array("fmt ".utf8); u32(16); u16(1); u16(1); u32(UInt32(sampleRate)); u32(UInt32(2 * sampleRate)); u16(2); u16(16)
        out += Array("data".utf8); u32(dataBytes)
        for sample in samples {
            let clipped = sample.isNaN ? 0 : min(max(sample, -1), 1)
            u16(UInt16(bitPattern: Int16((clipped * 32767).rounded(.towardZero))))
        }
        return out
    }
}
