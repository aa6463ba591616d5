using CrsMonitor.Service.Hl7v2.Mllp;
using static CrsMonitor.Service.Tests.Hl7v2.Mllp.MllpKit;

namespace CrsMonitor.Service.Tests.Hl7v2.Mllp;

/// <summary>The MLLP framing alone (no sockets): frames in any split, CR/LF between frames, every framing error, the size bound.</summary>
public sealed class MllpFrameParserTests
{
    private const string Message = "MSH|^~\\&|EHR|WARD|CRS|MON|20250301080000||ORU^R01|42|P|2.5.1\rPID|1||4711\r";

    [Test]
    public void OneFrame_GivesExactlyThePayload_AndConsumesTheWholeFrame()
    {
        var parser = new MllpFrameParser(1024 * 1024);
        var frame = Frame(Message);
        var result = parser.Parse(frame);
        Assert.That(result.Status, Is.EqualTo(MllpParseStatus.Frame));
        Assert.That(result.Consumed, Is.EqualTo(frame.Length));
        Assert.That(result.Payload.ToArray(), Is.EqualTo(Ascii(Message)));
        Assert.That(parser.InFrame, Is.False);
    }

    [Test]
    public void AFrameFedByteByByte_CompletesOnItsLastByteOnly()
    {
        var parser = new MllpFrameParser(1024 * 1024);
        var frame = Frame(Message);
        for (var i = 0; i < frame.Length - 1; i++)
        {
            var partial = parser.Parse(frame.AsSpan(i, 1));
            Assert.That(partial, Is.EqualTo(new MllpParseResult(MllpParseStatus.NeedMore, 1, ReadOnlyMemory<byte>.Empty, MllpFramingError.None)).Using<MllpParseResult>(SameStatus), $"byte {i}");
            Assert.That(parser.InFrame, Is.True);
        }

        Assert.That(parser.PendingBytes, Is.EqualTo(Message.Length));
        var last = parser.Parse(frame.AsSpan(frame.Length - 1, 1));
        Assert.That(last.Status, Is.EqualTo(MllpParseStatus.Frame));
        Assert.That(Text(last.Payload.ToArray()), Is.EqualTo(Message));
    }

    [Test]
    public void TwoFramesInOneBuffer_AreGivenOneAtATime_InOrder()
    {
        var parser = new MllpFrameParser(1024 * 1024);
        byte[] both = [.. Frame("first"), .. Frame("second")];
        var first = parser.Parse(both);
        Assert.That(first.Status, Is.EqualTo(MllpParseStatus.Frame));
        Assert.That(first.Consumed, Is.EqualTo("first".Length + 3), "the parser stops at the end of the first frame");
        var second = parser.Parse(both.AsSpan(first.Consumed));
        Assert.That(second.Status, Is.EqualTo(MllpParseStatus.Frame));
        Assert.That(second.Consumed, Is.EqualTo("second".Length + 3));
        Assert.That(Text(first.Payload.ToArray()), Is.EqualTo("first"), "the first payload is not overwritten by the second");
        Assert.That(Text(second.Payload.ToArray()), Is.EqualTo("second"));
    }

    [TestCase("\r")]
    [TestCase("\n")]
    [TestCase("\r\n")]
    [TestCase("\r\n\r\n")]
    public void CrAndLfBetweenFrames_AreTolerated(string between)
    {
        var parser = new MllpFrameParser(1024);
        byte[] stream = [.. Frame("a"), .. Ascii(between), .. Frame("b"), .. Ascii(between)];
        var first = parser.Parse(stream);
        var second = parser.Parse(stream.AsSpan(first.Consumed));
        var rest = parser.Parse(stream.AsSpan(first.Consumed + second.Consumed));
        Assert.That(Text(second.Payload.ToArray()), Is.EqualTo("b"));
        Assert.That(second.Status, Is.EqualTo(MllpParseStatus.Frame));
        Assert.That(rest.Status, Is.EqualTo(MllpParseStatus.NeedMore));
        Assert.That(parser.InFrame, Is.False);
    }

    [TestCase(new byte[] { (byte)'M', 0x0B, (byte)'x', 0x1C, 0x0D }, MllpFramingError.DataOutsideFrame, 1)]
    [TestCase(new byte[] { 0x20, 0x0B }, MllpFramingError.DataOutsideFrame, 1)]
    [TestCase(new byte[] { 0x1C, 0x0D }, MllpFramingError.DataOutsideFrame, 1)]
    [TestCase(new byte[] { 0x0B, (byte)'a', 0x0B, (byte)'b', 0x1C, 0x0D }, MllpFramingError.StartBlockInsideFrame, 3)]
    [TestCase(new byte[] { 0x0B, (byte)'a', 0x1C, (byte)'b' }, MllpFramingError.EndBlockWithoutCarriageReturn, 4)]
    [TestCase(new byte[] { 0x0B, (byte)'a', 0x1C, 0x0A }, MllpFramingError.EndBlockWithoutCarriageReturn, 4)]
    [TestCase(new byte[] { 0x0B, (byte)'a', 0x1C, 0x1C, 0x0D }, MllpFramingError.EndBlockWithoutCarriageReturn, 4)]
    public void AStreamThatIsNotMllp_IsAFramingError_AndNothingIsGiven(byte[] stream, MllpFramingError error, int consumed)
    {
        var parser = new MllpFrameParser(1024);
        var result = parser.Parse(stream);
        Assert.That(result.Status, Is.EqualTo(MllpParseStatus.Error));
        Assert.That(result.Error, Is.EqualTo(error));
        Assert.That(result.Consumed, Is.EqualTo(consumed));
        Assert.That(result.Payload.Length, Is.Zero);
        Assert.Throws<InvalidOperationException>(() => parser.Parse(Frame("again")), "a failed stream stays failed");
    }

    [Test]
    public void APayloadOfExactlyTheLimit_IsAFrame_OneByteMoreIsAnError_EvenWhenItGrowsOverSeveralReads()
    {
        var atLimit = new MllpFrameParser(1024).Parse(Frame(new string('x', 1024)));
        Assert.That(atLimit.Status, Is.EqualTo(MllpParseStatus.Frame));
        Assert.That(atLimit.Payload.Length, Is.EqualTo(1024));

        var parser = new MllpFrameParser(1024);
        Assert.That(parser.Parse([0x0B, .. Ascii(new string('x', 1000))]).Status, Is.EqualTo(MllpParseStatus.NeedMore));
        Assert.That(parser.Parse(Ascii(new string('x', 24))).Status, Is.EqualTo(MllpParseStatus.NeedMore));
        var over = parser.Parse(Ascii("x"));
        Assert.That(over.Status, Is.EqualTo(MllpParseStatus.Error));
        Assert.That(over.Error, Is.EqualTo(MllpFramingError.FrameTooLarge));
    }

    [Test]
    public void AnEmptyFrame_IsAFrameWithAnEmptyPayload()
    {
        var result = new MllpFrameParser(1024).Parse([0x0B, 0x1C, 0x0D]);
        Assert.That(result.Status, Is.EqualTo(MllpParseStatus.Frame));
        Assert.That(result.Payload.Length, Is.Zero);
    }

    private static bool SameStatus(MllpParseResult a, MllpParseResult b) =>
        a.Status == b.Status && a.Consumed == b.Consumed && a.Error == b.Error && a.Payload.Length == b.Payload.Length;
}
