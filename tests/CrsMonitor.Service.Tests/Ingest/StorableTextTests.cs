using CrsMonitor.Service.Ingest;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>How an answer quotes text a client sent: forbidden characters written out, everything else as sent.</summary>
public sealed class StorableTextTests
{
    [TestCase("Observation\u0000", "Observation\\u0000")]
    [TestCase("a\u0001b\u001fc", "a\\u0001b\\u001Fc")]
    [TestCase("tab\tcr\rlf\n", "tab\tcr\rlf\n")]
    [TestCase("emoji \ud83d\ude00 kept", "emoji \ud83d\ude00 kept")]
    [TestCase("", "")]
    public void Printable_WritesOutOnlyWhatMayNotBeStored(string text, string expected)
    {
        var printable = StorableText.Printable(text);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(printable, Is.EqualTo(expected));
            Assert.That(StorableText.FirstForbidden(printable), Is.EqualTo(-1));
        }
    }

    [TestCase(0xD800, "\\uD800")]
    [TestCase(0xDC00, "\\uDC00")]
    public void Printable_WritesOutAnUnpairedSurrogate(int surrogate, string expected)
    {
        // Built at run time: an attribute's string cannot carry an unpaired surrogate through the assembly's metadata.
        var text = $"lone {(char)surrogate} end";
        Assert.That(StorableText.Printable(text), Is.EqualTo($"lone {expected} end"));
    }
}
