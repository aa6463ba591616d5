using System.Reflection;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.CheckIn;
using CrsMonitor.Service.Devices;
using CrsMonitor.Service.VirtualWard;
using CrsMonitor.Service.Hl7v2;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Hosting.Telemetry;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Ingest.Endpoints;
using CrsMonitor.Service.Limits;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Research;
using CrsMonitor.Service.Research.Biomarkers;
using CrsMonitor.Service.Research.Csv;
using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Research.SiteView;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Storage.Backup;
using Microsoft.Extensions.Options;

// `token ...` prints a development token and exits; anything else runs the web service.
var tokenVerb = args is ["token", ..];
var backupVerb = BackupArguments.IsVerb(args);
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = tokenVerb ? [] : backupVerb ? BackupArguments.ConfigurationArguments(args) : args, WebRootPath = CrsMonitor.Service.Hosting.HostDefaults.WebRoot() });
builder.ApplyCrsMonitorDefaults();

if (tokenVerb)
{
    try
    {
        return TokenCommand.Run(
            args[1..], IdentitySettings.FromConfiguration(builder.Configuration), DataDirectory.FromConfiguration(builder.Configuration),
            TimeProvider.System, Console.Out, Console.Error);
    }
    catch (StartupConfigurationException e)
    {
        await Console.Error.WriteLineAsync($"token: {e.Message}").ConfigureAwait(false);
        return TokenCommand.Refused;
    }
}

// `migrate [--Storage:Key=value ...]` migrates the configured database and exits.
if (args is ["migrate", ..])
{
    return MigrateCommand.Run(builder.Configuration, Console.Out, Console.Error);
}

// `verify-audit [--Storage:Key=value ...]` recomputes the audit's hash chain and exits (0 verified, 1 not, 2 could not).
if (args is ["verify-audit", ..])
{
    return AuditVerifyCommand.Run(builder.Configuration, Console.Out, Console.Error);
}

// `backup --to PATH` / `restore --from PATH [--force] [--Storage:Key=value ...]` (0 done, 1 a check failed, 2 could not run).
if (args is ["backup", ..])
{
    return BackupCommand.Run(args, builder.Configuration, TimeProvider.System, Console.Out, Console.Error);
}

if (args is ["restore", ..])
{
    return RestoreCommand.Run(args, builder.Configuration, Console.Out, Console.Error);
}

// `regrade all | regrade patient ID [--Storage:Key=value ...]` recomputes timelines from the start and exits.
if (args is ["regrade", ..])
{
    return RegradeCommand.Run(args, builder.Configuration, TimeProvider.System, Console.Out, Console.Error);
}

// Run as a program (not under a test host, which adds its settings later): report every settings problem at once.
var runAsProgram = Assembly.GetEntryAssembly() == typeof(Program).Assembly;
if (runAsProgram && ConfigurationCheck.Problems(builder.Configuration) is { Count: > 0 } problems)
{
    await Console.Error.WriteLineAsync($"CrsMonitor cannot start:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", problems)}").ConfigureAwait(false);
    return 1;
}

builder.Services.AddCrsMonitorIdentity();
builder.Services.AddAssessment();

// Data files first: hosted services start in registration order, so a broken FHIR table or protocol file stops
// start-up before the database is migrated or any background work begins.
builder.Services.AddIngest();
builder.Services.AddProtocols();
builder.Services.AddStorage(builder.Configuration);
builder.Services.AddMonitoring();
builder.Services.AddAlerts();
builder.Services.AddDevices();
builder.Services.AddHubDraining(builder.Configuration);
builder.Services.AddTelemetry();
builder.Services.AddFhirEndpoints();
builder.Services.AddHl7v2(builder.Configuration);
builder.Services.AddBulkExport();
builder.Services.AddPatientStatus();
builder.Services.AddResearchContent();
builder.Services.AddSiteView();
builder.Services.AddBiomarkers();
builder.Services.AddCheckIn();
builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
builder.Services.AddExceptionHandler<ServerErrorHandler>();
builder.WebHost.ConfigureKestrel(RequestLimits.ConfigureKestrel);
builder.Services.AddRequestBudgets();

var app = builder.Build();

// First: everything after it (audit, budgets, metrics, the hub's origin check) sees the client behind a trusted proxy.
ProxySettings.UseTrustedProxies(app);
app.UseCorrelationLogScope();
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseHubDraining();

// The dashboard's static files are public (they hold no patient data); everything they call needs a token.
app.UseDashboardFiles();
app.UseStatusCodePages(FhirStatusCodes.WriteAsync);
// Inside the status code pages, so its 414 and 431 get an OperationOutcome (Kestrel's own refusals have no body).
app.UseMiddleware<RequestLimits>();
app.UseAuthentication();

// Before authorization, so the requests it refuses (401, and 403 by role) are audited too.
app.UseMiddleware<AuditMiddleware>();
app.UseRequestBudgets();
app.UseAuthorization();
app.MapAlertHub();
app.MapHealthEndpoints();
app.MapMetricsEndpoint();
app.MapIdentityEndpoints();
app.MapAssessmentEndpoints();
app.MapFhirEndpoints();
app.MapBulkExportEndpoints();
app.MapPatientStatusEndpoints();
app.MapBiomarkerEndpoints();
app.MapProtocolEndpoints();
app.MapMonitoringEndpoints();
app.MapDeviceEndpoints();
app.MapVirtualWardEndpoints();
app.MapAlertEndpoints();
app.MapEpisodeCsvEndpoints();
app.MapSiteViewEndpoints();
app.MapCheckInEndpoints();
app.MapHub<AlertHub>(AlertHub.Path);

try
{
    await app.StartAsync().ConfigureAwait(false);
}
catch (Exception e) when (e is OptionsValidationException or StartupConfigurationException && runAsProgram)
{
    // A data folder or key file that cannot be used is reported as one clear message (the host has logged the details).
    await Console.Error.WriteLineAsync($"CrsMonitor cannot start: {e.Message}").ConfigureAwait(false);
    await app.DisposeAsync().ConfigureAwait(false);
    return 1;
}

// Not RunAsync: under a test host (WebApplicationFactory) a failed start must propagate with the host still
// undisposed, or the test host reports ObjectDisposedException instead of the cause; it disposes the host itself.
await app.WaitForShutdownAsync().ConfigureAwait(false);
await app.DisposeAsync().ConfigureAwait(false);
return 0;

/// <summary>The service entry point (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
