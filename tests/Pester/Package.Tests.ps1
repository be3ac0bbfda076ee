# The package that 'build.ps1 -Task Package' makes (build/New-ModulePackage.ps1): PSResourceGet
# installs it from a local file repository, offline, and the installed module works in a fresh
# PowerShell against the emulator. Nothing global is left behind: PSResourceGet's settings live in a
# temporary XDG_DATA_HOME in the child processes, and the repository is unregistered there too.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    function Invoke-ChildPwsh {
        # Runs a script in a fresh pwsh (under 'dotnet pwsh' the process is the dotnet host) and
        # returns its output lines; throws with the output when it fails.
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $file = Join-Path $TestDrive ("child-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
        Set-Content -Path $file -Value $Script
        $shell = (Get-Process -Id $PID).Path
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($shell) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $saved = @{}
        foreach ($name in $Environment.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $Environment[$name])
        }
        try {
            $output = & $shell @prefix -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
            if ($LASTEXITCODE -ne 0) { throw "The child pwsh failed (exit code $LASTEXITCODE):`n$($output -join "`n")" }
            $output
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    $script:PackageDir = Join-Path $TestDrive 'package'
    $script:Isolated = @{ XDG_DATA_HOME = (Join-Path $TestDrive 'xdg-data') }
    $packScript = Join-Path $script:RepoRoot 'build/New-ModulePackage.ps1'
    $null = Invoke-ChildPwsh -Script "& '$packScript' -ModulePath '$($script:ModulePath)' -OutputPath '$($script:PackageDir)' | Out-Null"
    $script:Package = Get-ChildItem $script:PackageDir -Filter 'PveTokens.*.nupkg'
    $script:Version = (Import-PowerShellDataFile (Join-Path $script:ModulePath 'PveTokens.psd1')).ModuleVersion
}

Describe 'build/New-ModulePackage.ps1' {
    It 'writes PveTokens.<version>.nupkg with the staged module at its root' {
        $script:Package | Should -HaveCount 1
        $script:Package.Name | Should -Be "PveTokens.$($script:Version).nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($script:Package.FullName)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($file in 'PveTokens.psd1', 'PveTokens.dll', 'PveTokens.Format.ps1xml', 'LICENSE', 'PveTokens.nuspec',
            'en-US/PveTokens.dll-Help.xml', 'en-US/about_PveTokens.help.txt', 'dependencies/System.Text.Json.dll') {
            $entries | Should -Contain $file
        }
    }

    It 'leaves no repository registered' {
        $names = Invoke-ChildPwsh -Environment $script:Isolated -Script '(Get-PSResourceRepository).Name'
        $names | Should -Not -Match '^PveTokensPack'
    }
}

Describe 'Installing the package with PSResourceGet' {
    BeforeAll {
        $script:Installed = Join-Path $TestDrive 'modules'
        New-Item -ItemType Directory -Path $script:Installed | Out-Null
        $save = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name PveTokensTest -Uri '$($script:PackageDir)' -Trusted
try {
    Find-PSResource -Name PveTokens -Repository PveTokensTest | ForEach-Object { 'found ' + `$_.Version }
    Save-PSResource -Name PveTokens -Repository PveTokensTest -Path '$($script:Installed)' -TrustRepository -SkipDependencyCheck
}
finally {
    Unregister-PSResourceRepository -Name PveTokensTest
}
"@
        $script:SaveOutput = Invoke-ChildPwsh -Environment $script:Isolated -Script $save
        $script:Emulator = Start-PveEmulator -SeedFile $script:ExampleSeedFile
    }

    AfterAll {
        if ($script:Emulator) { Stop-PveEmulator $script:Emulator }
    }

    It 'finds and saves it from a local file repository' {
        $script:SaveOutput | Should -Contain "found $($script:Version)"
        Join-Path $script:Installed "PveTokens/$($script:Version)/PveTokens.psd1" | Should -Exist
    }

    It 'imports it from there in a fresh pwsh and runs it against the emulator' {
        $run = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$($script:Installed)' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module PveTokens
(Get-Module PveTokens).ModuleBase
`$credential = New-Object System.Management.Automation.PSCredential 'root@pam', (ConvertTo-SecureString '$($script:Emulator.RootPassword)' -AsPlainText -Force)
`$null = Connect-PveServer -Server '$($script:Emulator.Url)' -Credential `$credential -CertificateThumbprint '$($script:Emulator.Thumbprint)'
Get-PveApiToken | ForEach-Object FullTokenId
(Get-Help Get-PveApiToken).Synopsis
"@
        $output = Invoke-ChildPwsh -Script $run
        $output[0] | Should -BeLike (Join-Path $script:Installed 'PveTokens*')
        $output | Should -Contain 'ci@pve!backup'
        $output | Should -Contain 'alice@pve!old'
        $output[-1] | Should -Not -BeLike 'Get-PveApiToken*'
    }
}
