using System.Net;
using System.Text.Json.Nodes;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// Bad input fails safely (reliability-security.md): every field of a full body replaced by each hostile value still
/// gets 200 or 400, never a 500.
/// </summary>
public sealed class EvaluateRobustnessTests
{
    private const string FullBody = """
        {"ageYears":45,
         "crs":{"temperature":{"value":38.4,"unit":"Cel"},"crsEstablished":false,"feverTherapyGiven":false,"steroidPremedication":false,
                "feverAttributedToOtherCause":false,"hypotensionAttributedToOtherCause":false,"hypoxiaAttributedToOtherCause":false,
                "systolicBp":88,"fluidBolusForHypotension":true,
                "vasopressors":[{"agent":"norepinephrine","start":"2025-03-01T08:00:00Z","end":"2025-03-01T10:00:00Z"},{"agent":"vasopressin","start":"2025-03-01T09:00:00Z"}],
                "assessedAt":"2025-03-01T09:30:00Z",
                "oxygen":{"device":"nasal-cannula","flowLitresPerMinute":4,"atBaseline":false,"forComfort":false,"roomAirSpo2":93},
                "organToxicities":["grade 3 creatinine"],"deathAttributedToCrs":false},
         "icans":{"orientationYear":true,"orientationMonth":true,"orientationCity":false,"orientationHospital":true,"namingCount":2,
                  "followsCommands":true,"writesSentence":false,"countsBackwards":true,"iceScore":7,"baselineIceScore":10,
                  "consciousness":"awakens-to-voice","sedated":false,"seizure":"none","motor":"none","icp":["focal-edema"],
                  "excludedFindings":["tremor"],"capdItems":{"eyeContact":"often","purposefulActions":"often","awareOfSurroundings":"often",
                  "communicatesNeeds":"often","restless":"rarely","inconsolable":"never","underactive":"rarely","slowToRespond":"rarely"},
                  "capdScore":7,"capdBaseline":2,"developmentalDelay":false,"deathAttributedToIcans":false}}
        """;

    private static readonly string[] HostileValues =
        ["null", "true", "\"\"", "\"x\"", "-1", "0", "1e400", "123456789012345678901234567890", "3.5", "[]", "[null]", "{}", "{\"a\":1}"];

    [Test]
    public async Task Evaluate_EveryFieldReplacedByHostileValues_NeverA500()
    {
        using var host = new ServiceHost();
        using var nurse = host.ClientFor("nurse", "7W");
        using (var baseline = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json(FullBody)))
        {
            Assert.That(baseline.StatusCode, Is.EqualTo(HttpStatusCode.OK), await baseline.Content.ReadAsStringAsync());
        }

        var failures = new List<string>();
        foreach (var path in Paths(JsonNode.Parse(FullBody)!, []))
        {
            foreach (var hostile in HostileValues)
            {
                var body = JsonNode.Parse(FullBody)!;
                Replace(body, path, JsonNode.Parse(hostile));
                using var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json(body.ToJsonString()));
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.BadRequest))
                {
                    failures.Add($"{string.Join('.', path)} = {hostile}: {(int)response.StatusCode}");
                }
            }
        }

        Assert.That(failures, Is.Empty);
    }

    private static IEnumerable<object[]> Paths(JsonNode node, object[] prefix)
    {
        IEnumerable<(object Key, JsonNode? Child)> children = node switch
        {
            JsonObject o => o.Select(p => ((object)p.Key, p.Value)),
            JsonArray a => a.Select((c, i) => ((object)i, c)),
            _ => [],
        };
        foreach (var (key, child) in children)
        {
            object[] path = [.. prefix, key];
            yield return path;
            if (child is not null)
            {
                foreach (var inner in Paths(child, path))
                {
                    yield return inner;
                }
            }
        }
    }

    private static void Replace(JsonNode root, object[] path, JsonNode? value)
    {
        var parent = path[..^1].Aggregate(root, (n, k) => k is int i ? n[i]! : n[(string)k]!);
        if (path[^1] is int index)
        {
            parent[index] = value;
        }
        else
        {
            parent[(string)path[^1]] = value;
        }
    }
}
