using System.Text;
using CrsMonitor.Service.Ingest;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>What every FHIR error answer must be, checked the way a FHIR client reads it; and raw requests.</summary>
public static class FhirAssert
{
    /// <summary>
    /// The path of a write's <c>Location</c> (absolute, as standard FHIR clients need it: asserted here), e.g.
    /// <c>/fhir/Observation/{id}/_history/1</c>.
    /// </summary>
    public static string LocationPath(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var location = response.Headers.Location;
        Assert.That(location, Is.Not.Null, "a write answers Location");
        Assert.That(location!.IsAbsoluteUri, Is.True, () => $"Location must be absolute: {location}");
        return location.AbsolutePath;
    }

    /// <summary>The id a write's <c>Location</c> names (<c>[base]/[type]/[id]/_history/[vid]</c>).</summary>
    public static string IdOf(HttpResponseMessage response) => LocationPath(response).Split('/')[3];

    /// <summary>
    /// Asserts the answer has <paramref name="status"/> (never a 5xx), is <c>application/fhir+json</c> and its body is an
    /// OperationOutcome Firely's own deserializer accepts, with at least one issue and every issue saying where
    /// (<c>expression</c>) or what (<c>diagnostics</c>). Returns the outcome.
    /// </summary>
    public static async Task<OperationOutcome> OutcomeAsync(HttpResponseMessage response, int status)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Outcome((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(), status);
    }

    /// <summary><see cref="OutcomeAsync"/> on an answer already read: its status code, media type and body.</summary>
    public static OperationOutcome Outcome(int code, string? mediaType, string text, int status)
    {
        Assert.That(code, Is.LessThan(500), () => $"a client's request must never get a 5xx: {code} {text}");
        var (resource, error) = FhirJson.Parse(Encoding.UTF8.GetBytes(text), "OperationOutcome");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(status), text);
            Assert.That(mediaType, Is.EqualTo(FhirTestData.MediaType), text);
            Assert.That(error, Is.Null, () => $"not a valid OperationOutcome: {text}");
        }

        var outcome = (OperationOutcome)resource!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.Issue, Is.Not.Empty, text);
            Assert.That(outcome.Issue, Has.All.Matches<OperationOutcome.IssueComponent>(
                i => i!.Expression.Any(e => !string.IsNullOrWhiteSpace(e)) || !string.IsNullOrWhiteSpace(i.Diagnostics)), text);
            Assert.That(outcome.Issue, Has.Some.Matches<OperationOutcome.IssueComponent>(
                i => i!.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal), text);
        }

        return outcome;
    }

    /// <summary>The expressions of all issues, for "names the element" checks.</summary>
    public static IEnumerable<string> Expressions(OperationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Issue.SelectMany(i => i.Expression).OfType<string>();
    }

    /// <summary>Raw bytes with the given Content-Type header (none when null): nothing added, nothing re-encoded.</summary>
    public static ByteArrayContent Bytes(byte[] body, string? contentType = FhirTestData.MediaType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    /// <summary>Sends <paramref name="content"/> with <paramref name="method"/> and optional extra headers.</summary>
    public static async Task<HttpResponseMessage> SendAsync(
        HttpClient client, HttpMethod method, string path, HttpContent? content, params (string Name, string Value)[] headers)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }
}
