using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Tests.Hl7v2.Er7;

/// <summary>How text becomes segments, fields, repetitions, components and sub-components, delimiters from the header.</summary>
public sealed class Er7ParserStructureTests
{
    private const string Header = @"MSH|^~\&|A|B|C|D|20250301||ORU^R01|1|P|2.6";

    private static Er7Segment Zzz(string fields) => Er7Parser.Parse(Header + "\rZZZ|" + fields).First("ZZZ")!;

    [TestCase("\r")]
    [TestCase("\r\n")]
    [TestCase("\n")]
    public void SegmentSeparators_CrCrLfAndLf_GiveTheSameMessage(string separator)
    {
        var message = Er7Parser.Parse(Er7Samples.Oru.Replace("\r", separator, StringComparison.Ordinal));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Segments, Has.Count.EqualTo(12));
            Assert.That(message.All("OBX").Select(o => o[5].Value), Is.EqualTo(new[] { "", "97", "88", "38.6", "86", "52", "24" }));
            Assert.That(message.Segments[^1][3].Value, Does.EndWith("probe ok"));
        }
    }

    [Test]
    public void EmptyLinesAndTrailingSeparators_AreIgnored()
    {
        var message = Er7Parser.Parse(Header + "\r\r\n\nPID|1\r\n\r\n\rPV1|1\r\r\r");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Segments.Select(s => s.Id), Is.EqualTo(new[] { "MSH", "PID", "PV1" }));
            Assert.That(message.Segments.Select(s => s.Position), Is.EqualTo(new[] { 1, 2, 3 }));
        }
    }

    [Test]
    public void NoTrailingSeparator_LastSegmentIsRead() =>
        Assert.That(Er7Parser.Parse(Header + "\rPID|1|x").First("PID")![2].Value, Is.EqualTo("x"));

    [Test]
    public void HeaderOnly_IsAMessageOfOneSegment()
    {
        var message = Er7Parser.Parse(@"MSH|^~\&");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Segments, Has.Count.EqualTo(1));
            Assert.That(message.Msh.FieldCount, Is.EqualTo(2));
            Assert.That(message.Msh[3], Is.SameAs(Er7Field.Empty));
        }
    }

    [Test]
    public void SegmentWithoutFields_HasFieldCountZero()
    {
        var zzz = Er7Parser.Parse(Header + "\rZZZ\r").First("ZZZ")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(zzz.FieldCount, Is.Zero);
            Assert.That(zzz[1], Is.SameAs(Er7Field.Empty));
        }
    }

    [Test]
    public void EmptyField_HasNoRepetitions_AndIsNotPresent()
    {
        var zzz = Zzz("a||c");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(zzz[2].Repetitions, Is.Empty);
            Assert.That(zzz[2].IsPresent, Is.False);
            Assert.That(zzz[2].IsNull, Is.False);
            Assert.That(zzz[2].First, Is.SameAs(Er7Repetition.Empty));
            Assert.That(zzz[2].Value, Is.EqualTo(""));
            Assert.That(zzz[2][3], Is.EqualTo(""));
            Assert.That(zzz[3].Value, Is.EqualTo("c"));
            Assert.That(zzz.FieldCount, Is.EqualTo(3));
        }
    }

    [Test]
    public void OnlyDelimiters_KeepTheirShape_ButAreNotPresent()
    {
        var field = Zzz("^^~&")[1];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(field.Repetitions, Has.Count.EqualTo(2));
            Assert.That(field.First.Components, Has.Count.EqualTo(3));
            Assert.That(field.First.Components.All(c => c.SubComponents.Count == 0), Is.True);
            Assert.That(field.Repetitions[1].Components.Single().SubComponents, Is.EqualTo(new[] { "", "" }));
            Assert.That(field.IsPresent, Is.False);
        }
    }

    [Test]
    public void ExplicitNull_IsNullAndPresent_WithItsTwoQuotesAsValue()
    {
        var zzz = Zzz("\"\"|\"\"^x|a\"\"");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(zzz[1].IsNull, Is.True);
            Assert.That(zzz[1].IsPresent, Is.True);
            Assert.That(zzz[1].Value, Is.EqualTo("\"\""));
            Assert.That(zzz[2].IsNull, Is.False);
            Assert.That(zzz[3].IsNull, Is.False);
        }
    }

    [Test]
    public void Components_AndSubComponents_AreNumberedFromOne()
    {
        var field = Zzz("a&a2^b^^d&&d3")[1];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(field.First.Components, Has.Count.EqualTo(4));
            Assert.That(field[1], Is.EqualTo("a"));
            Assert.That(field.First[1][2], Is.EqualTo("a2"));
            Assert.That(field[2], Is.EqualTo("b"));
            Assert.That(field[3], Is.EqualTo(""));
            Assert.That(field.First[4].SubComponents, Is.EqualTo(new[] { "d", "", "d3" }));
            Assert.That(field[5], Is.EqualTo(""));
            Assert.That(field.First[5], Is.SameAs(Er7Component.Empty));
            Assert.That(field.IsPresent, Is.True);
            Assert.That(field.First.Value, Is.EqualTo("a"));
        }
    }

    [Test]
    public void Indexers_RefuseZero()
    {
        var zzz = Zzz("a");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => zzz[0], Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => zzz[1].First[0], Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => zzz[1].First[1][0], Throws.TypeOf<ArgumentOutOfRangeException>());
        }
    }

    [Test]
    public void OtherDelimiters_AreReadFromTheHeader()
    {
        var message = Er7Parser.Parse("MSH#$%@*#A#B#C#D#20250301##ORU$R01#1#P#2.6\rOBX#1#NM#8310-5$Body temp$LN##38.5@F@1@S@$%x*y@E@\r");
        var obx = message.First("OBX")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Delimiters, Is.EqualTo(new Er7Delimiters('#', '$', '%', '@', '*', null)));
            Assert.That(message.Msh[1].Value, Is.EqualTo("#"));
            Assert.That(message.Msh[2].Value, Is.EqualTo("$%@*"));
            Assert.That(message.Msh[9][2], Is.EqualTo("R01"));
            Assert.That(obx[3][2], Is.EqualTo("Body temp"));
            Assert.That(obx[5].Repetitions, Has.Count.EqualTo(2));
            Assert.That(obx[5].Value, Is.EqualTo("38.5#1$"));
            Assert.That(obx[5].Repetitions[1].Components.Single().SubComponents, Is.EqualTo(new[] { "x", "y@" }));
        }
    }

    [Test]
    public void StandardCharacters_AreDataWhenNotTheDelimiters()
    {
        var message = Er7Parser.Parse("MSH#$%@*#A\rZZZ#a|b^c~d&e\\f\r");
        Assert.That(message.First("ZZZ")![1].Value, Is.EqualTo("a|b^c~d&e\\f"));
    }

    [Test]
    public void LaterHeaderSegment_KeepsTheHeaderLayout()
    {
        var message = Er7Parser.Parse(Header + "\rPID|1\r" + @"MSH|^~\&|X|Y" + "\rPID|2\r");
        var second = message.All("MSH").ElementAt(1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.Sequence, Is.EqualTo(2));
            Assert.That(second[2].Value, Is.EqualTo(@"^~\&"));
            Assert.That(second[3].Value, Is.EqualTo("X"));
            Assert.That(message.All("PID").Select(p => p.Sequence + ":" + p[1].Value), Is.EqualTo(new[] { "1:1", "2:2" }));
            Assert.That(message.Msh, Is.SameAs(message.Segments[0]));
        }
    }

    [Test]
    public void SegmentIds_WithDigits_AreAccepted() =>
        Assert.That(Er7Parser.Parse(Header + "\rPV1|1\rZ01|x\rA99").Segments.Select(s => s.Id), Is.EqualTo(new[] { "MSH", "PV1", "Z01", "A99" }));

    [Test]
    public void AtTheLimits_IsAccepted()
    {
        var fields = string.Join('|', Enumerable.Repeat("v", Er7Limits.MaxFields));
        var repetitions = string.Join('~', Enumerable.Repeat("r", Er7Limits.MaxRepetitions));
        var components = string.Join('^', Enumerable.Repeat("c", Er7Limits.MaxComponents));
        var subComponents = string.Join('&', Enumerable.Repeat("s", Er7Limits.MaxSubComponents));
        var message = Er7Parser.Parse(Header + "\rZZZ|" + fields + "\rZZZ|" + repetitions + "|" + components + "|" + subComponents
            + string.Concat(Enumerable.Repeat("\rNTE", Er7Limits.MaxSegments - 3)));
        var second = message.All("ZZZ").ElementAt(1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(message.Segments, Has.Count.EqualTo(Er7Limits.MaxSegments));
            Assert.That(message.First("ZZZ")!.FieldCount, Is.EqualTo(Er7Limits.MaxFields));
            Assert.That(second[1].Repetitions, Has.Count.EqualTo(Er7Limits.MaxRepetitions));
            Assert.That(second[2].First.Components, Has.Count.EqualTo(Er7Limits.MaxComponents));
            Assert.That(second[3].First[1].SubComponents, Has.Count.EqualTo(Er7Limits.MaxSubComponents));
        }
    }

    [Test]
    public void LongValue_IsReadWhole()
    {
        var value = new string('x', 1_000_000);
        Assert.That(Zzz(value)[1].Value, Has.Length.EqualTo(1_000_000));
    }
}
