# Feeds every broken scenario in CORPUS to `aiscale simulate`: each must exit 2 with error lines that start with
# "aiscale: error:", print nothing on stdout, and leave no output file behind.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
file(GLOB cases "${CORPUS}/*.json")
list(APPEND cases "${CORPUS}/this-file-does-not-exist.json")
set(failures "")
foreach(c IN LISTS cases)
  execute_process(COMMAND "${AISCALE}" simulate "${c}" --json -o "${WORK}/out.json"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  get_filename_component(name "${c}" NAME)
  if(NOT rc EQUAL 2)
    string(APPEND failures "${name}: exit ${rc}, expected 2 (${err})\n")
  elseif(NOT err MATCHES "^aiscale: error: [^\n]+\n")
    string(APPEND failures "${name}: stderr is not an 'aiscale: error:' line: ${err}\n")
  elseif(err MATCHES "internal error|terminate|Aborted|what\\(\\)")
    string(APPEND failures "${name}: crashed: ${err}\n")
  elseif(NOT out STREQUAL "")
    string(APPEND failures "${name}: printed on stdout: ${out}\n")
  elseif(EXISTS "${WORK}/out.json")
    string(APPEND failures "${name}: left a partial output file\n")
  endif()
  message(STATUS "${name}: ${err}")
endforeach()
# Command-line mistakes are bad input too.
set(sweep_out "${WORK}/sweep.csv")
foreach(args "simulate;--set;novalue" "simulate;--set;model.layers=3" "simulate;--engine;warp" "validate;/nonexistent"
        "simulate;--set;parallelism.tp=0" "catalog;cpus" "simulate;--set;model=0" "simulate;--set;model={}"
        "simulate;--set;cluster.gpu=7" "simulate;--set;cluster.gpu={}" "simulate;--set;training.global_batch=1536000000"
        "sweep;--grid;parallelism.tpp=1,2;-o;${sweep_out}" "sweep;--grid;parallelism.tp=;-o;${sweep_out}"
        "sweep;--grid;parallelism.tp=two,4;-o;${sweep_out}" "sweep;--grid;cluster.nodes=1.5;-o;${sweep_out}"
        "sweep;--zip;parallelism.tp=1,2;--zip;parallelism.pp=1;-o;${sweep_out}"
        "sweep;--grid;parallelism.tp=1,2;-o;${WORK}/sweep.txt" "sweep;--grid;model.layers=2,4;-o;${sweep_out}"
        "sweep;--grid;parallelism.schedule=1f1b,zb-h2;-o;${sweep_out}"
        "plan;--vary;tp,ep,warp" "plan;--vary;etp,,shedule" "plan;--gpus;64;--vary;all,x" "plan;--gpus-range;64..32"
        "plan;--gpus;1020" "plan;--gpus;512;--budget;-5USD" "plan;--gpus;512;--deadline;0d" "bench;--engine;warp" "bench;/nonexistent.json")
  execute_process(COMMAND "${AISCALE}" ${args} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    string(APPEND failures "aiscale ${args}: exit ${rc}, expected 2 (${err})\n")
  elseif(NOT err MATCHES "^aiscale: error: [^\n]+\n$")
    string(APPEND failures "aiscale ${args}: not one error line: ${err}\n")
  elseif(EXISTS "${sweep_out}" OR EXISTS "${WORK}/sweep.txt")
    string(APPEND failures "aiscale ${args}: created an output file\n")
  endif()
  message(STATUS "${args}: ${err}")
endforeach()
if(failures)
  message(FATAL_ERROR "bad-input corpus:\n${failures}")
endif()
