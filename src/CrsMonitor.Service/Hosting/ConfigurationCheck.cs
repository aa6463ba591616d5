using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Limits;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// The settings checks that start-up validation runs (ValidateOnStart), run before the host is built, so that a
/// mistyped setting on the command line gets a plain list of problems instead of a logged stack trace.
/// </summary>
public static class ConfigurationCheck
{
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        try
        {
            problems.AddRange(IdentitySettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            var grading = SettingsBinding.Bind(configuration, GradingSettingsValidator.SectionName, new GradingSettings());
            problems.AddRange(new GradingSettingsValidator().Validate(null, grading).Failures ?? []);
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            var continuous = SettingsBinding.Bind(configuration, ContinuousGradingSettings.SectionName, new ContinuousGradingSettings());
            problems.AddRange(new ContinuousGradingSettingsValidator().Validate(null, continuous).Failures ?? []);
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(StorageSettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(LimitSettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(ProxySettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(Hl7v2.Mllp.MllpSettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(Hl7v2.Hl7v2Settings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(Telemetry.TelemetrySettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(Research.SiteView.SiteViewSettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(CheckIn.CheckInSettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            var export = Research.Export.ResearchExportSettings.FromConfiguration(configuration);
            problems.AddRange(export.Problems());
            problems.AddRange(export.ProblemsWhenClustered(configuration.GetValue<bool>("Monitoring:Clustered")));
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        try
        {
            problems.AddRange(Research.Biomarkers.BiomarkerSettings.FromConfiguration(configuration).Problems());
        }
        catch (StartupConfigurationException e)
        {
            problems.Add(e.Message);
        }

        return problems;
    }
}
