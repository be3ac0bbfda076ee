using System.Collections;
using System.Management.Automation;
using System.Reflection;

namespace PveTokens.Tests.Module;

public class ManifestTests
{
    private static Hashtable ReadManifest()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "PveTokens.psd1");
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.AddCommand("Import-PowerShellDataFile").AddParameter("Path", path);
        return (Hashtable)ps.Invoke()[0].BaseObject;
    }

    [Fact]
    public void CmdletsToExportEqualsTheCmdletsInTheAssembly()
    {
        var exported = ((object[])ReadManifest()["CmdletsToExport"]!).Cast<string>().ToList();
        var inAssembly = typeof(PveTokens.ModuleInitializer).Assembly.GetTypes()
            .Select(t => t.GetCustomAttribute<CmdletAttribute>())
            .Where(a => a is not null)
            .Select(a => $"{a!.VerbName}-{a.NounName}")
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(inAssembly, exported);
    }

    [Fact]
    public void CmdletsToExportIsSorted()
    {
        var exported = ((object[])ReadManifest()["CmdletsToExport"]!).Cast<string>().ToList();
        Assert.Equal(exported.OrderBy(n => n, StringComparer.Ordinal), exported);
    }

    [Fact]
    public void OtherExportsAreEmptyAndBothEditionsAreDeclared()
    {
        Hashtable manifest = ReadManifest();
        Assert.Empty((object[])manifest["FunctionsToExport"]!);
        Assert.Empty((object[])manifest["VariablesToExport"]!);
        Assert.Empty((object[])manifest["AliasesToExport"]!);
        Assert.Equal(new[] { "Desktop", "Core" }, ((object[])manifest["CompatiblePSEditions"]!).Cast<string>());
        Assert.Equal("5.1", manifest["PowerShellVersion"]);
        Assert.Equal("PveTokens.dll", manifest["RootModule"]);
    }
}
