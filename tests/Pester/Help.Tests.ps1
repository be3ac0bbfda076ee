# Keeps the help complete: every exported cmdlet has a docs page that documents exactly its
# parameters and has examples, the built MAML shows all of it through Get-Help, and every example
# runs against a fresh emulator.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $cmdlets = @(Get-Command -Module PveTokens -CommandType Cmdlet | Sort-Object Name | ForEach-Object {
            $page = Join-Path $script:DocsPath "$($_.Name).md"
            $examples = if (Test-Path $page) { @((Get-HelpPage $page).Examples) } else { @() }
            @{
                Name     = $_.Name
                PagePath = $page
                Examples = @($examples | ForEach-Object {
                        @{ Number = $_.Number; Title = $_.Title; Code = $_.Code; NotRunReason = $_.NotRunReason; NeedsSession = $_.NeedsSession
                            Headings = @($_.Outputs | ForEach-Object { Get-TableHeading $_ }) }
                    })
            }
        })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command $Name -Module PveTokens
        $page = if (Test-Path $PagePath) { Get-HelpPage $PagePath } else { $null }
        $expected = Get-HelpDocumentedParameter $command
    }

    It 'has a page in docs/en-US' {
        $PagePath | Should -Exist
    }

    It 'documents every parameter' {
        $missing = @($expected | Where-Object { $page.Parameters -notcontains $_ })
        $missing | Should -BeNullOrEmpty -Because "$Name.md needs a '### -Name' section with a yaml block for each"
    }

    It 'documents no parameter the cmdlet does not have' {
        $stale = @($page.Parameters | Where-Object { $expected -notcontains $_ })
        $stale | Should -BeNullOrEmpty -Because "$Name has no such parameter"
    }

    It 'has no {{ placeholders }} left' {
        (Get-Content $PagePath -Raw) | Should -Not -Match '\{\{[^}]*\}\}'
    }

    It 'has at least two examples' {
        $page.Examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $page.Examples) {
            $example.Code | Should -Not -BeNullOrEmpty -Because "example $($example.Number) needs a fenced code block"
        }
    }

    Context 'Get-Help -Full' {
        BeforeAll {
            $help = Get-Help $Name -Full
        }

        It 'shows the synopsis' {
            # Without a MAML entry Get-Help puts the generated syntax line in the synopsis.
            $help.Synopsis | Should -Not -BeNullOrEmpty
            $help.Synopsis | Should -Not -Match "^$([regex]::Escape($Name))\b"
            $help.Synopsis | Should -Be $page.Synopsis
        }

        It 'shows the description' {
            (@($help.description | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty
        }

        It 'shows the syntax of every parameter set' {
            $items = @($help.syntax.syntaxItem)
            $items.Count | Should -Be @($command.ParameterSets).Count
            $shown = @($items | ForEach-Object {
                    $names = if ($_.PSObject.Properties['parameter']) { @($_.parameter | ForEach-Object name) } else { @() }
                    ($names | Sort-Object) -join ','
                })
            foreach ($set in $command.ParameterSets) {
                $names = @($set.Parameters.Name | Where-Object { $expected -contains $_ } | Sort-Object) -join ','
                $shown | Should -Contain $names -Because "parameter set '$($set.Name)' needs a syntax item"
            }
        }

        It 'shows a description for every parameter' {
            $entries = if ($help.parameters -and $help.parameters.PSObject.Properties['parameter']) { @($help.parameters.parameter) } else { @() }
            foreach ($name in $expected) {
                $entry = $entries | Where-Object name -EQ $name
                $entry | Should -Not -BeNullOrEmpty -Because "-$name should be in the help"
                (@($entry.description | ForEach-Object Text) -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$name needs a description"
            }
        }

        It 'shows the attributes of every parameter as the cmdlet declares them' {
            # Get-Help takes these from the MAML only, never from the cmdlet.
            $entries = if ($help.parameters -and $help.parameters.PSObject.Properties['parameter']) { @($help.parameters.parameter) } else { @() }
            foreach ($name in $expected) {
                $entry = $entries | Where-Object name -EQ $name
                $sets = @($command.Parameters[$name].ParameterSets.Values)
                $required = @($sets | Where-Object { -not $_.IsMandatory }).Count -eq 0
                $entry.required | Should -Be $required.ToString().ToLowerInvariant() -Because "-$name Required"
                $aliases = @($command.Parameters[$name].Aliases)
                $entry.aliases | Should -Be $(if ($aliases.Count) { $aliases -join ', ' } else { 'none' }) -Because "-$name Aliases"
                $piped = @($sets | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName }).Count -gt 0
                $entry.pipelineInput | Should -BeLike $(if ($piped) { 'True (*)' } else { 'False' }) -Because "-$name pipeline input"
            }
        }
    }

    It 'shows every example with Get-Help -Examples' {
        $shown = @((Get-Help $Name -Examples).examples.example | Where-Object { $_ })
        $shown.Count | Should -Be $page.Examples.Count
        for ($i = 0; $i -lt $shown.Count; $i++) {
            $shown[$i].code.StartsWith($page.Examples[$i].Code) | Should -BeTrue -Because "example $($i + 1) should show its code"
        }
    }

    Context 'examples' {
        It 'runs example <Number>: <Title>' -ForEach $Examples {
            if ($NotRunReason) {
                Set-ItResult -Skipped -Because "the page marks it '# example: not-run' ($NotRunReason)"
                return
            }
            # Examples run inside a connected session; connecting needs Connect-PveServer. This skip
            # ends by itself when the cmdlet lands.
            if ($NeedsSession -and -not (Get-Command Connect-PveServer -Module PveTokens -ErrorAction SilentlyContinue)) {
                Set-ItResult -Skipped -Because 'it needs a connected session and Connect-PveServer does not exist yet'
                return
            }
            $result = Invoke-HelpExample -Code $Code -NoSession:(-not $NeedsSession)
            $result.Errors | Should -BeNullOrEmpty
            # The sample output's table headings are the ones the example really writes (the views' labels).
            $written = @(Get-TableHeading $result.Output)
            foreach ($heading in $Headings) {
                $written | Should -Contain $heading -Because "the page's sample output shows the columns '$heading'"
            }
        }
    }
}

Describe 'build/New-MamlHelp.ps1' {
    It 'stops with file:line on markdown it cannot parse' {
        $docs = Join-Path $TestDrive 'docs'
        New-Item -ItemType Directory $docs | Out-Null
        Set-Content (Join-Path $docs 'Get-PveSession.md') -Value ((Get-Content (Join-Path $script:DocsPath 'Get-PveSession.md') -Raw) + "`n``````powershell`nGet-PveSession`n")
        $shell = (Get-Process -Id $PID).Path
        # Under 'dotnet pwsh' the process is the dotnet host and pwsh.dll sits in $PSHOME.
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($shell) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $output = & $shell @prefix -NoProfile -NonInteractive -File (Join-Path $script:RepoRoot 'build/New-MamlHelp.ps1') `
            -ModulePath $script:ModulePath -DocsPath $docs -OutputPath (Join-Path $TestDrive 'out') 2>&1
        $LASTEXITCODE | Should -Be 1
        ($output -join "`n") | Should -Match 'Get-PveSession\.md:\d+: code block opened here is never closed'
        Join-Path $TestDrive 'out/PveTokens.dll-Help.xml' | Should -Not -Exist
    }

    It 'finds every page in agreement with its cmdlet (no warning)' {
        # A page whose parameter block disagrees with the cmdlet only warns at build time (the cmdlet
        # wins in the generated help), so the page itself stays wrong until something fails.
        $shell = (Get-Process -Id $PID).Path
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($shell) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $output = & $shell @prefix -NoProfile -NonInteractive -File (Join-Path $script:RepoRoot 'build/New-MamlHelp.ps1') `
            -ModulePath $script:ModulePath -DocsPath $script:DocsPath -OutputPath (Join-Path $TestDrive 'all') *>&1
        $LASTEXITCODE | Should -Be 0
        @($output | Where-Object { "$_" -match 'WARNING|\.md:\d+:' }) | Should -BeNullOrEmpty
    }
}

Describe 'The module page' {
    It 'lists every exported cmdlet' {
        $text = Get-Content (Join-Path $script:DocsPath 'PveTokens.md') -Raw
        foreach ($name in (Get-Command -Module PveTokens -CommandType Cmdlet).Name) {
            $text | Should -Match "(?m)^### \[$([regex]::Escape($name))\]\($([regex]::Escape($name))\.md\)\s*$"
        }
    }
}

Describe 'about_PveTokens' {
    BeforeAll {
        $topic = Get-Help about_PveTokens
    }

    It 'is found by Get-Help' {
        ($topic | Out-String) | Should -Match 'about_PveTokens'
        ($topic | Out-String) | Should -Match 'SHORT DESCRIPTION'
        ($topic | Out-String) | Should -Match 'USER@REALM!TOKENID=SECRET'
    }

    It 'is wrapped at 80 columns' {
        $file = Join-Path $script:ModulePath 'en-US/about_PveTokens.help.txt'
        $long = @(Get-Content $file | Where-Object { $_.Length -gt 80 })
        $long | Should -BeNullOrEmpty
    }
}
