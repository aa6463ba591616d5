using System.Buffers;

namespace CrsMonitor.Service.Hl7v2.Mllp;

/// <summary>Why a connection's byte stream is not MLLP (logged by kind, never with the bytes: they may be PHI).</summary>
public enum MllpFramingError
{
    None,

    /// <summary>A byte other than the start block (0x0B), CR or LF between frames.</summary>
    DataOutsideFrame,

    /// <summary>A start block (0x0B) inside a frame: a frame never ended, or a payload holds a framing byte.</summary>
    StartBlockInsideFrame,

    /// <summary>An end block (0x1C) not followed by CR (0x0D).</summary>
    EndBlockWithoutCarriageReturn,

    /// <summary>A payload longer than <c>Mllp:MaxMessageBytes</c>.</summary>
    FrameTooLarge,
}

public enum MllpParseStatus
{
    /// <summary>Every byte given was consumed and no frame completed yet: read more.</summary>
    NeedMore,

    /// <summary>A frame completed; its payload is in <see cref="MllpParseResult.Payload"/>. Bytes after it were not consumed.</summary>
    Frame,

    /// <summary>The stream is not MLLP (<see cref="MllpParseResult.Error"/>): close the connection, hand nothing on.</summary>
    Error,
}

/// <summary>What one <see cref="MllpFrameParser.Parse"/> call found, and how many of the given bytes it consumed.</summary>
public readonly record struct MllpParseResult(MllpParseStatus Status, int Consumed, ReadOnlyMemory<byte> Payload, MllpFramingError Error);

/// <summary>
/// The MLLP framing (HL7 v2 MLLP releases 1 and 2): a message is the start block 0x0B, the payload, the end block
/// 0x1C and a carriage return 0x0D. Between frames CR and LF are tolerated (some senders end a frame with an extra
/// line break); anything else there, a start block inside a frame, or an end block not followed by CR is a framing
/// error, because resynchronising on a broken stream could hand on half a message, or two messages glued together,
/// as one. Pure (no I/O), fed whatever each read returned, so a frame split over many reads and several frames in
/// one read are the same code path. A payload past <c>maxMessageBytes</c> is an error as soon as it grows past it,
/// so a sender cannot make the service buffer without bound.
/// </summary>
public sealed class MllpFrameParser
{
    public const byte StartBlock = 0x0B;
    public const byte EndBlock = 0x1C;
    public const byte CarriageReturn = 0x0D;
    public const byte LineFeed = 0x0A;

    private readonly int maxMessageBytes;
    private State state = State.BetweenFrames;
    private ArrayBufferWriter<byte>? payload;

    public MllpFrameParser(int maxMessageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 0);
        this.maxMessageBytes = maxMessageBytes;
    }

    private enum State
    {
        BetweenFrames,
        InFrame,
        AfterEndBlock,
        Failed,
    }

    /// <summary>True after a start block until the frame's final CR: a stream ending now ended in the middle of a frame.</summary>
    public bool InFrame => state is State.InFrame or State.AfterEndBlock;

    /// <summary>The payload bytes of the frame in progress (for logging how much a truncated frame held).</summary>
    public int PendingBytes => payload?.WrittenCount ?? 0;

    /// <summary>
    /// Consumes <paramref name="input"/> up to the end of the first frame that completes in it (or all of it). After
    /// <see cref="MllpParseStatus.Error"/> the parser stays failed: the connection is to be closed.
    /// </summary>
    public MllpParseResult Parse(ReadOnlySpan<byte> input)
    {
        var position = 0;
        while (position < input.Length)
        {
            switch (state)
            {
                case State.BetweenFrames:
                    var b = input[position++];
                    if (b == StartBlock)
                    {
                        state = State.InFrame;
                        payload = new ArrayBufferWriter<byte>(Math.Min(4096, Math.Max(1, maxMessageBytes)));
                    }
                    else if (b is not (CarriageReturn or LineFeed))
                    {
                        return Fail(position, MllpFramingError.DataOutsideFrame);
                    }

                    break;

                case State.InFrame:
                    var rest = input[position..];
                    var stop = rest.IndexOfAny(StartBlock, EndBlock);
                    var content = stop < 0 ? rest : rest[..stop];
                    if (payload!.WrittenCount + content.Length > maxMessageBytes)
                    {
                        return Fail(position + content.Length, MllpFramingError.FrameTooLarge);
                    }

                    payload.Write(content);
                    position += content.Length;
                    if (stop >= 0)
                    {
                        if (input[position++] == StartBlock)
                        {
                            return Fail(position, MllpFramingError.StartBlockInsideFrame);
                        }

                        state = State.AfterEndBlock;
                    }

                    break;

                case State.AfterEndBlock:
                    if (input[position++] != CarriageReturn)
                    {
                        return Fail(position, MllpFramingError.EndBlockWithoutCarriageReturn);
                    }

                    state = State.BetweenFrames;
                    var frame = payload!.WrittenMemory;
                    payload = null; // a new buffer per frame: the payload handed on is never overwritten
                    return new MllpParseResult(MllpParseStatus.Frame, position, frame, MllpFramingError.None);

                default:
                    throw new InvalidOperationException("The MLLP stream already failed; the connection must be closed.");
            }
        }

        return new MllpParseResult(MllpParseStatus.NeedMore, position, ReadOnlyMemory<byte>.Empty, MllpFramingError.None);
    }

    private MllpParseResult Fail(int consumed, MllpFramingError error)
    {
        state = State.Failed;
        payload = null;
        return new MllpParseResult(MllpParseStatus.Error, consumed, ReadOnlyMemory<byte>.Empty, error);
    }
}
