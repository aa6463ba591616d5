using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace CrsMonitor.Service.Tests;

/// <summary>
/// One run of <c>node scenario.mjs</c> in a folder of npm packages (the independent-client tests: fhir-kit-client,
/// node-hl7-client with hl7v2): its exit code, output and the JSON object of named steps it printed.
/// </summary>
public sealed record NodeScenario(int ExitCode, string Stdout, string Stderr, JsonElement Results)
{
    public static async Task<NodeScenario> RunAsync(string label, string folder, IReadOnlyList<string> args, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(args);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("scenario.mjs");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"node could not be started ({e.Message}): tests/run.sh installs Node.js and the scenario's packages");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(limit);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"node scenario.mjs did not end within {limit.TotalSeconds} s\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
            }

            var (output, errors) = (await stdout, await stderr);
            JsonElement results;
            try
            {
                using var json = JsonDocument.Parse(output);
                results = json.RootElement.Clone();
            }
            catch (JsonException e)
            {
                Assert.Fail($"node scenario.mjs (exit {process.ExitCode}) printed no JSON object ({e.Message})\nstdout:\n{output}\nstderr:\n{errors}");
                throw;
            }

            TestContext.Progress.WriteLine($"{label} scenario (exit {process.ExitCode}):\n{output}");
            return new NodeScenario(process.ExitCode, output, errors, results);
        }
    }

    /// <summary>The step's result; a step that threw what it should not fails here with what the client said.</summary>
    public JsonElement Step(string name)
    {
        Assert.That(Results.TryGetProperty(name, out var step), Is.True, $"the scenario printed no step '{name}'\n{Describe()}");
        Assert.That(step.TryGetProperty("unexpected", out var unexpected), Is.False,
            () => $"step '{name}' threw: {unexpected}\n{step}");
        return step;
    }

    public string Describe() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static int? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
}
