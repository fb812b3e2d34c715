# %% [markdown]
# # 12 · Raio-X com TPU
#
# Esta aula é o exemplo complexo do material *Camadas convolucionais e Dropout* (veja as
# Fontes no fim): detectar pneumonia em radiografias de tórax de
# crianças com uma CNN, o exemplo "Pneumonia Classification on TPU" do site do Keras. O
# material pede duas coisas: **Parte 1**, rodar o código e responder às perguntas; **Parte 2**,
# explicar a arquitetura e as taxas de *dropout*. O exemplo publicado envelheceu: procura a
# TPU pelo TensorFlow, que o ambiente de TPU do Colab de hoje nem traz (o exemplo acaba
# rodando na CPU sem avisar), salva o *checkpoint* no formato legado `.h5` e a sua validação
# vaza informação. Aqui ele está reescrito para o Keras 3 e para rodar hoje, no Colab, com
# TPU, GPU ou só CPU, com o mesmo código.
#
# Você vai aprender a:
#
# - escolher o ambiente do Colab e o *backend* do Keras (JAX na TPU, TensorFlow na GPU e
#   na CPU) e distribuir o treino entre os aceleradores: réplicas, `scope()` e o lote
#   global;
# - montar o *pipeline* `tf.data` do exemplo e as práticas de TPU: lotes de formato fixo,
#   imagens guardadas em `uint8`, `steps_per_execution` e precisão mista `bfloat16`;
# - medir o vazamento da validação do exemplo e separar a validação **por paciente**;
# - calcular pesos de classe e treinar com decaimento exponencial da taxa de aprendizado, um
#   *checkpoint* `.keras` e parada antecipada;
# - ler acurácia, precisão, revocação (*recall*), AUC, a matriz de confusão e a curva ROC em
#   termos de falsos negativos (radiografias com pneumonia classificadas como normais) e
#   falsos positivos;
# - explicar cada bloco da rede e por que o *dropout* cai de 0,7 para 0,5 e 0,3.
#
# ## O ambiente: TPU, GPU ou CPU
#
# No Colab, escolha o hardware em *Ambiente de execução → Alterar o tipo de ambiente de
# execução*, antes de rodar qualquer célula (trocar depois reinicia a sessão):
#
# - **TPU** (v5e-1 ou v6e-1): **um chip** de TPU, o acelerador do Google feito para
#   multiplicar matrizes. O ambiente de TPU traz o Keras 3 com o **JAX**, que é quem
#   conversa com a TPU, e **não traz o TensorFlow**. O curso usa o TensorFlow só para ler os
#   dados (`tf.data`), na CPU, e a célula de preparação o instala junto com o curso (quem
#   monta o ambiente à mão pode instalar só `pip install tensorflow-cpu`, a versão sem
#   aceleradores, menor). Não instale o `tensorflow-tpu`: ele parou na versão 2.20 do
#   TensorFlow e não acha mais a TPU do Colab;
# - **GPU** (uma T4 no plano gratuito): o ambiente já traz TensorFlow e Keras; não há nada a
#   instalar além da célula de preparação;
# - **CPU**: também não precisa de nada; a aula roda inteira, só que mais devagar.
#
# O Keras 3 roda sobre vários *backends* (JAX, TensorFlow, PyTorch), e o *backend* é lido da
# variável de ambiente `KERAS_BACKEND` **na primeira vez que o Keras é importado**; depois
# ele não muda. `distribute.choose_backend()` escolhe antes de qualquer modelo existir:
# respeita um `KERAS_BACKEND` que você já tenha definido; senão, JAX numa máquina com TPU
# e TensorFlow nas outras (se o Keras já foi importado com outro *backend*, ele o recarrega).
# Para forçar um *backend*, passe o nome: `distribute.choose_backend("jax")`.

# %%
from course_utils import distribute

BACKEND = distribute.choose_backend()

# %%
import re
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_auc_score, roc_curve

from course_utils import config, fmt, lessons, xray
from course_utils.checks import ____
from course_utils.datasets import CHEST_XRAY_CLASSES, chest_xray_labels, chest_xray_patient_id
from course_utils.datasets import load_chest_xray, load_chest_xray_paths
from course_utils.exercises import lesson12
from course_utils.exercises.lesson12 import ex1, ex2, ex3, ex4
from course_utils.plots import metric_label, plot_confusion_matrix, plot_history, show_images
from course_utils.summary import summary_by_block
from course_utils.timing import StepTimer

print(config.fast_mode_line())
print(config.accelerator_line(12))
print(f"Keras {keras.__version__} com o backend {keras.backend.backend()}")

# %% [markdown]
# As configurações da aula, à vista numa célula. Os valores moram em
# `course_utils.exercises.lesson12` porque o script que mede esta aula com os dados completos
# usa os mesmos; para experimentar, mude-os aqui. Os números que você digita num código (a
# taxa `0.001`) ficam com ponto, como o Python pede; os que você lê, com vírgula.

# %%
SEED = lessons.SEED                                     # a semente do curso: divisão e pesos
IMAGE_SIZE = lesson12.image_size()                      # (altura, largura); menor no modo rápido
BATCH_PER_REPLICA = lesson12.BATCH_PER_REPLICA          # imagens por réplica em cada passo
VAL_FRACTION = lesson12.VAL_FRACTION                    # fração do treino que vira validação
EPOCHS = config.epochs(*lesson12.EPOCHS)                # no máximo: a parada antecipada vem antes
PATIENCE = lesson12.PATIENCE                            # épocas sem melhorar antes de parar
INITIAL_LEARNING_RATE = lesson12.INITIAL_LEARNING_RATE  # a taxa de aprendizado no primeiro passo
DECAY_RATE = lesson12.DECAY_RATE                        # a taxa cai por este fator a cada época
THRESHOLD = lesson12.THRESHOLD                          # o limiar padrão: acima dele, "pneumonia"
TARGET_RECALL = lesson12.TARGET_RECALL                  # a revocação que o limiar deve garantir
config.set_seed(SEED)
print(f"imagens {IMAGE_SIZE[0]}×{IMAGE_SIZE[1]}, {BATCH_PER_REPLICA} por réplica e passo; "
      f"validação: {fmt.pct(VAL_FRACTION, 0)} do treino; até {EPOCHS} épocas (paciência "
      f"{PATIENCE}); taxa {INITIAL_LEARNING_RATE} × {DECAY_RATE} por época; limiar padrão "
      f"{fmt.num(THRESHOLD)}, revocação desejada {fmt.num(TARGET_RECALL)}; semente {SEED}")

# %% [markdown]
# ## A distribuição: réplicas e o lote global
#
# Para treinar o mesmo modelo em vários aceleradores ao mesmo tempo, cada um guarda uma
# cópia dos pesos, uma **réplica**. A cada passo, cada réplica processa um pedaço do lote e
# calcula o seu gradiente, com a perda dividida pelo tamanho do lote **inteiro**; os
# gradientes são somados entre as réplicas (a soma é a média do lote todo, o mesmo passo que
# um acelerador só daria) e os pesos, atualizados, continuam iguais em todas. Isso é o
# **paralelismo de dados**, e cada *backend* tem a sua ferramenta para ele:
#
# - **JAX**: a API de distribuição do próprio Keras, `keras.distribution.DataParallel`,
#   sobre os dispositivos de `keras.distribution.list_devices()`: os chips da TPU, senão as
#   GPUs, senão a CPU. É o caminho da TPU do Colab;
# - **TensorFlow**: o `tf.distribute`, com uma *estratégia*: `TPUStrategy` onde o próprio
#   TensorFlow comanda uma TPU (fora do Colab), `MirroredStrategy` com uma réplica por GPU,
#   e a estratégia padrão na CPU, uma réplica só, sem distribuição nenhuma.
#
# `distribute.get_strategy()` escolhe o caminho do *backend* e do hardware e diz numa linha o
# que escolheu. O que ele devolve funciona igual nos dois *backends*: o modelo nasce dentro de
# `strategy.scope()`, e `strategy.num_replicas_in_sync` conta as réplicas. A ausência de
# acelerador nunca é erro: a aula roda na CPU. A TPU de hoje do Colab tem um chip, então
# uma réplica; os testes do curso rodam esta aula com duas réplicas (dois dispositivos de CPU
# simulados), nos dois *backends*. Um passo com duas réplicas, em figura:

# %%
xray.draw_data_parallelism(replicas=2, per_replica=4);

# %% [markdown]
# Agora a estratégia desta máquina:

# %%
strategy = distribute.get_strategy()

# %% [markdown]
# **Precisão mista.** TPUs e GPUs a partir da geração Ampere (A100, L4) calculam em
# `bfloat16`, um número de 16 bits com o mesmo alcance do `float32` e menos casas
# decimais, na metade do tempo e da memória; com a política `mixed_bfloat16` as contas
# das camadas saem em `bfloat16` e os pesos ficam em `float32`, onde as atualizações
# pequenas não se perdem. A T4 do Colab gratuito (e a V100) não tem `bfloat16` rápido, mas
# tem *Tensor Cores* que fazem as mesmas contas em `float16`: lá a política é
# `mixed_float16`, e o guia de precisão mista do TensorFlow fala em treinos até 3 vezes mais
# rápidos nessas GPUs. O `float16` tem alcance pequeno (gradientes muito pequenos viram
# zero), então o Keras multiplica a perda por um fator grande antes de derivar e divide os
# gradientes pelo mesmo fator depois (a escala da perda, que o `compile` liga sozinho com
# `mixed_float16`). Na CPU, que não ganha nada com 16 bits, fica o `float32`. A última
# camada do modelo calcula a probabilidade sempre em `float32`.

# %%
POLICY = distribute.precision_policy(strategy)
keras.mixed_precision.set_dtype_policy(POLICY)
print(f"política de precisão: {POLICY}")

# %% [markdown]
# ### Exercício 1 · O lote global
#
# Com 8 réplicas (uma TPU de 8 chips, ou 8 GPUs) e um lote de 16 imagens, cada réplica veria
# só 2 imagens por passo, e os aceleradores ficariam quase parados. Por isso escolhemos o
# lote **por réplica** (`BATCH_PER_REPLICA`) e entregamos ao `tf.data` o lote **global**,
# que cresce com as réplicas. Complete `global_batch(per_replica, strategy)`.

# %%
def global_batch(per_replica, strategy):
    """Tamanho do lote para o tf.data: per_replica exemplos para cada réplica da estratégia."""
    # BEGIN SOLUTION ex1
    return per_replica * strategy.num_replicas_in_sync
    # END SOLUTION


ex1.check(global_batch)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# Daqui em diante usamos `distribute.global_batch_size`, que faz a mesma conta:

# %%
REPLICAS = strategy.num_replicas_in_sync
GLOBAL_BATCH = distribute.global_batch_size(BATCH_PER_REPLICA, strategy)
print(f"{REPLICAS} réplica(s) × {BATCH_PER_REPLICA} imagens = lote global de {GLOBAL_BATCH}; "
      f"imagens redimensionadas para {IMAGE_SIZE[0]}×{IMAGE_SIZE[1]}")

# %% [markdown]
# ## Os dados: radiografias em TFRecords
#
# O conjunto é o ChestXRay2017 (Kermany e colegas, 2018): radiografias de tórax de crianças
# de 1 a 5 anos, normais ou com pneumonia, em duas partes, treino e teste. O exemplo do Keras
# as guarda em arquivos **TFRecord**, o formato de registros do TensorFlow: um arquivo com
# os JPEGs (`images.tfrec`) e outro, na mesma ordem, com o caminho de cada imagem
# (`paths.tfrec`), como `chest_xray/train/PNEUMONIA/person1_bacteria_1.jpeg`. O rótulo é o
# nome da pasta.
#
# `load_chest_xray(split, image_size)` devolve um `tf.data.Dataset` que faz as primeiras
# etapas do *pipeline* do exemplo: lê os dois arquivos, tira o rótulo do caminho, decodifica
# o JPEG (`tf.io.decode_jpeg`, em tons de cinza) e redimensiona para `IMAGE_SIZE`. O
# exemplo decodifica em 3 canais (RGB); radiografias são cinza, então um canal basta e a
# primeira convolução fica 3 vezes mais barata. `load_chest_xray_paths` dá os caminhos, na
# mesma ordem, e deles tiramos os rótulos:

# %%
train_paths = load_chest_xray_paths("train")
train_labels = chest_xray_labels(train_paths)  # 1 quando a pasta da imagem é PNEUMONIA
train_all = load_chest_xray("train", image_size=IMAGE_SIZE)
test_raw = load_chest_xray("test", image_size=IMAGE_SIZE)
print(f"treino: {fmt.num(len(train_paths))} imagens, {fmt.num(np.sum(train_labels == 0))} "
      f"normais e {fmt.num(np.sum(train_labels == 1))} com pneumonia")
print("exemplos de caminhos:", *train_paths[:3], sep="\n  ")
print(f"os TFRecords oficiais completos: treino "
      f"{fmt.num(sum(lesson12.OFFICIAL_TRAIN_COUNTS.values()))} imagens (as pastas train e val "
      f"do conjunto; a val tem só {lesson12.OFFICIAL_VAL_IMAGES}), teste "
      f"{fmt.num(sum(lesson12.OFFICIAL_TEST_COUNTS.values()))}")

# %%
first = list(train_all.take(8))
show_images(np.stack([image.numpy() / 255.0 for image, _ in first]),
            titles=[CHEST_XRAY_CLASSES[int(label)] for _, label in first], ncols=8,
            suptitle=f"Radiografias do treino, em {IMAGE_SIZE[0]}×{IMAGE_SIZE[1]} pixels");

# %% [markdown]
# > **Este modelo não é um dispositivo médico.** Ele é um exercício de aprendizado de
# > máquina e não deve decidir nada sobre um paciente. Por quê:
# >
# > - as radiografias vêm de **um só centro pediátrico**, o Centro Médico de Mulheres e
# >   Crianças de Guangzhou, na China, com os seus aparelhos, os seus técnicos e a sua
# >   população;
# > - os rótulos são a **leitura das imagens por médicos** (dois especialistas classificaram
# >   cada radiografia, e um terceiro conferiu as do teste), não um diagnóstico confirmado por
# >   exames e pela evolução de cada criança;
# > - **ninguém mediu o modelo em radiografias de outro hospital** (validação externa); a aula
# >   14 mostra por que isso importa: redes de radiografia aprendem atalhos do hospital de
# >   origem e podem piorar fora dele;
# > - a classe "pneumonia" junta a **bacteriana e a viral**, que se tratam de formas
# >   diferentes; o modelo não diz qual das duas a imagem mostra.
# >
# > Por isso esta aula fala de **falsos negativos** (radiografias com pneumonia classificadas
# > como normais) e **falsos positivos** (normais classificadas como pneumonia), e não do que
# > aconteceria com uma criança.

# %% [markdown]
# ## Uma validação sem vazamento
#
# A pasta de validação do conjunto oficial é minúscula (a célula dos dados mostrou o
# tamanho), e os TFRecords a juntam ao treino. O exemplo do Keras então separa a validação
# assim, e depois guarda cada parte com `cache()`:
#
# ```python
# ds = ds.shuffle(10000)
# train_ds = ds.take(4200)
# val_ds = ds.skip(4200)
# ```
#
# O `cache()` logo depois congela cada parte na primeira passada: as épocas seguintes leem
# da memória as mesmas imagens. O problema está antes. `train_ds` e `val_ds` são dois
# *pipelines* que começam no **mesmo** `shuffle`, e cada um, ao ser percorrido, sorteia a
# **sua própria** ordem das imagens. O treino fica com as 4.200 primeiras de um sorteio; a
# validação, com as que sobram **de outro** sorteio. Nada garante que sejam imagens
# diferentes: cada imagem da validação tem a mesma chance de estar entre as primeiras do
# sorteio do treino que qualquer outra, cerca de 4.200 em 5.232.
#
# Dá para medir: a célula abaixo repete o exemplo com os caminhos das imagens no lugar das
# imagens (o corte de 4.200 vira a mesma fração dos nossos dados) e conta quantas imagens da
# validação também estão no treino.

# %%
EXAMPLE_SHUFFLE, EXAMPLE_TAKE = 10000, 4200  # os números do exemplo
official_train_total = sum(lesson12.OFFICIAL_TRAIN_COUNTS.values())
example_cut = round(len(train_paths) * EXAMPLE_TAKE / official_train_total)
shuffled = tf.data.Dataset.from_tensor_slices(train_paths).shuffle(EXAMPLE_SHUFFLE)
example_train = shuffled.take(example_cut).cache()
example_val = shuffled.skip(example_cut).cache()
seen_in_train = {path.numpy() for path in example_train}  # 1ª época: enche o cache
val_paths = [path.numpy() for path in example_val]
frozen = {path.numpy() for path in example_train} == seen_in_train  # 2ª época: do cache
in_both = sum(path in seen_in_train for path in val_paths)
print(f"treino {fmt.num(len(seen_in_train))} imagens, validação {fmt.num(len(val_paths))}; a "
      f"segunda época do treino traz as mesmas imagens (o cache congela): {frozen}")
print(f"imagens da validação que também estão no treino: {fmt.num(in_both)} de "
      f"{fmt.num(len(val_paths))} ({fmt.pct(in_both / len(val_paths), 0)}; o acaso daria cerca "
      f"de {fmt.pct(example_cut / len(train_paths), 0)})")

# %% [markdown]
# A maior parte da "validação" do exemplo é feita de imagens de treino: ela vaza
# (*data leakage*), mede o quanto a rede decorou, e a parada antecipada e o *checkpoint*
# escolhem a época com um juiz comprometido. Há ainda um segundo vazamento, mais sutil:
# mesmo com um sorteio só, a divisão é por **imagem**. Um paciente tem várias radiografias
# (`person1_bacteria_1.jpeg`, `person1_bacteria_2.jpeg`, ...), umas cairiam no treino e
# outras na validação, e a rede pode reconhecer o **paciente** (a forma do tórax, a
# posição, o aparelho) em vez da doença. A figura mostra seis pacientes e as suas
# radiografias divididas das duas maneiras:

# %%
xray.draw_patient_leakage();

# %% [markdown]
# Na divisão por imagem, a validação tem radiografias de pacientes que a rede viu no treino:
# acertar nelas não prova que a rede reconhece pneumonia num paciente novo. A regra: a divisão
# é feita uma vez, antes do treino, com índices fixos, e todas as imagens de um paciente ficam
# do mesmo lado. E a validação sai do treino, nunca do teste, que só é usado uma vez, no fim.
#
# Nos nomes oficiais, o paciente vem antes do número da imagem: `person1234_bacteria_5678`
# e `person1234_virus_5679` são o paciente `person1234`; nas normais, `IM-0115-0001` é o
# paciente `IM-0115`, e `NORMAL2-IM-1427-0001` é `NORMAL2-IM-1427` (outra série de exames).
#
# Um jeito de ler um pedaço de um nome é uma **expressão regular** (o módulo `re` do
# Python): um padrão que descreve o texto. No padrão `r"([a-z]+)(\d+)-(\d+)"`, `[a-z]+` é
# uma ou mais letras minúsculas, `\d+` é um ou mais dígitos, o `-` é ele mesmo, e cada par de
# parênteses marca um **grupo**, um pedaço que você lê depois com `group`. `re.match` tenta
# casar o padrão a partir do começo do texto e devolve `None` quando não consegue:

# %%
match = re.match(r"([a-z]+)(\d+)-(\d+)", "sala12-305.txt")
print(match.group(1), match.group(2), match.group(3), "|", re.match(r"\d+", "sala12"))

# %% [markdown]
# Expressões regulares não são obrigatórias aqui: dá para resolver com os métodos de texto
# que você já conhece (`rsplit`, `split`, `startswith`), e o `check` aceita qualquer função
# que devolva o paciente certo.
#
# ### Exercício 2 · O paciente de cada imagem
#
# Complete `patient_id(path)`: devolva o paciente de um caminho com nome oficial, ou `None`
# quando o nome não traz paciente (como os da cópia reduzida destes dados, a PneumoniaMNIST,
# que o curso usa nos testes e sem internet: `pneumoniamnist-train-02551.jpeg`).

# %%
def patient_id(path):
    """O paciente de um caminho com nome oficial do ChestXRay2017, ou None."""
    # BEGIN SOLUTION ex2
    name = path.split("/")[-1].rsplit(".", 1)[0]
    match = re.match(r"^(person\d+)_(bacteria|virus)_\d+$", name)
    if match is None:
        match = re.match(r"^((?:NORMAL2-)?IM-\d+)-\d+$", name)
    return match.group(1) if match else None
    # END SOLUTION


ex2.check(patient_id)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# Com o paciente de cada imagem (`chest_xray_patient_id`, a versão do `course_utils`),
# `xray.split_by_patient` faz a divisão estratificada **por grupo**
# (`StratifiedGroupKFold` do scikit-learn): cerca de `VAL_FRACTION` das imagens, em
# pacientes inteiros, com a proporção das classes do treino. Uma imagem sem paciente no nome
# vira um grupo sozinha; se nenhuma tem, a divisão é estratificada por imagem, e a célula diz
# isso.

# %%
fit_index, val_index, grouped = xray.split_by_patient(train_paths, train_labels,
                                                      VAL_FRACTION, seed=SEED)
patients = np.array([chest_xray_patient_id(path) or "" for path in train_paths])
shared = set(patients[fit_index]) & set(patients[val_index]) - {""}
print(f"treino {fmt.num(len(fit_index))} imagens, validação {fmt.num(len(val_index))} "
      f"({fmt.pct(len(val_index) / len(train_paths), 0)}); pacientes nos dois lados: "
      f"{len(shared)}")
if grouped:
    print(f"divisão por paciente: {fmt.num(len(set(patients[fit_index])))} pacientes no "
          f"treino, {fmt.num(len(set(patients[val_index])))} na validação")
else:
    print("estes nomes não trazem paciente (cópia reduzida): a divisão é estratificada por "
          "imagem, e a validação pode ter imagens de pacientes do treino")

# %% [markdown]
# E uma divisão por imagem, mesmo fixa, nesses mesmos dados? Quando os nomes trazem
# pacientes, a célula conta quantos apareceriam dos dois lados:

# %%
rng = np.random.default_rng(SEED)
by_file = rng.permutation(len(train_paths))
cut = int(len(train_paths) * (1 - VAL_FRACTION))
leaked = set(patients[by_file[:cut]]) & set(patients[by_file[cut:]]) - {""}
print(f"divisão por imagem: {len(leaked)} paciente(s) dos dois lados"
      + ("" if grouped else " (sem paciente nos nomes, não dá para contar)"))

# %% [markdown]
# ## Pesos das classes
#
# No treino oficial há bem mais radiografias com pneumonia do que normais, e um modelo que
# responde sempre "pneumonia" já acerta a maior parte delas sem aprender nada (a célula depois
# do exercício mostra quanto). Os **pesos de classe** (`class_weight` do `fit`) multiplicam a
# perda de cada exemplo pelo peso da sua classe: com peso $n/(2\,n_k)$ para a classe $k$ (onde $n$ é o total e $n_k$ o número de
# imagens da classe), as duas classes pesam o mesmo na soma da perda, e a perda média
# continua na escala de sempre.
#
# ### Exercício 3 · Os pesos a partir das contagens
#
# Complete `weights_from_counts(counts)`: recebe `counts = [n_normal, n_pneumonia]` (um array
# NumPy) e devolve o dicionário `{0: peso_normal, 1: peso_pneumonia}` que o Keras espera.

# %%
def weights_from_counts(counts):
    """Pesos de classe {0: w0, 1: w1} que fazem as duas classes pesarem o mesmo na perda."""
    # BEGIN SOLUTION ex3
    total = counts.sum()
    return {0: total / (2 * counts[0]), 1: total / (2 * counts[1])}
    # END SOLUTION


ex3.check(weights_from_counts)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# Os pesos vêm das contagens **do treino que vamos usar** (sem a validação), calculadas dos
# dados, nunca digitadas:

# %%
counts = np.bincount(train_labels[fit_index], minlength=2)
CLASS_WEIGHT = lesson12.class_weights(counts)
official = np.array(list(lesson12.OFFICIAL_TRAIN_COUNTS.values()))
official_weights = lesson12.class_weights(official)
print(f"nosso treino: {fmt.num(counts[0])} normais, {fmt.num(counts[1])} com pneumonia → pesos "
      f"{fmt.num(CLASS_WEIGHT[0], 3)} e {fmt.num(CLASS_WEIGHT[1], 3)}")
print(f"treino oficial completo: {fmt.num(official[0])} e {fmt.num(official[1])} → pesos "
      f"{fmt.num(official_weights[0], 3)} e {fmt.num(official_weights[1], 3)} (a normal pesa "
      f"{fmt.num(official_weights[0] / official_weights[1], 1)} vezes mais); "
      f"'sempre pneumonia' acertaria {fmt.pct(official[1] / official.sum())}")

# %% [markdown]
# O equilíbrio das classes em cada parte, nos dados desta execução:

# %%
test_labels = chest_xray_labels(load_chest_xray_paths("test"))
parts = {"treino": train_labels[fit_index], "validação": train_labels[val_index],
         "teste": test_labels}
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
for k, name in enumerate(CHEST_XRAY_CLASSES):
    shares = [np.mean(labels_k == k) for labels_k in parts.values()]
    bars = ax.barh(list(parts), shares, left=[0 if k == 0 else 1 - x for x in shares],
                   color=f"C{k}", label=name)
    ax.bar_label(bars, labels=[f"{np.sum(p == k)}" for p in parts.values()],
                 label_type="center", color="white")
ax.axvline(0.5, color="gray", linestyle="--", linewidth=1)
ax.set_xlim(0, 1)
ax.xaxis.set_major_formatter(fmt.tick_formatter())
ax.set_xlabel("fração das imagens (o número é a contagem)")
ax.set_title("Normais e com pneumonia em cada parte")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncols=2);

# %% [markdown]
# Se os dados estão equilibrados (a cópia reduzida que o curso usa sem internet tem as duas
# classes na mesma quantidade), os pesos saem iguais a 1 e não mudam nada: o código é o mesmo, e o efeito
# aparece quando o treino é desequilibrado, como o oficial.
#
# ## O *pipeline* `tf.data`
#
# Agora as etapas que faltam, na ordem que o guia de desempenho do `tf.data` recomenda, com
# as práticas que uma TPU pede:
#
# 1. **`uint8`**: os pixels vão de 0 a 255, e guardá-los como inteiros de 8 bits ocupa um
#    quarto da memória de `float32`, tanto no cache quanto na viagem até o acelerador; quem
#    divide por 255 é a primeira camada do modelo;
# 2. **`cache`**: guarda na memória as imagens já decodificadas e redimensionadas, e as
#    próximas épocas não leem nem decodificam o JPEG de novo;
# 3. **`shuffle`** (só no treino): embaralha a cada época, depois do cache, senão a ordem
#    seria sempre a mesma. Aqui sortear de novo a cada época é o que queremos: o `shuffle`
#    vem **depois** da divisão, então só muda a ordem das imagens de treino;
# 4. **`batch`** com o lote **global** e, no treino, `drop_remainder=True`: o último lote,
#    incompleto, fica de fora (na época seguinte o sorteio é outro), e todo passo tem o mesmo
#    formato; a TPU compila o passo para um formato fixo, e um formato novo custaria outra
#    compilação. Na validação e no teste nenhuma imagem fica de fora, a não ser as que
#    sobram da divisão por réplicas: no JAX cada lote precisa se dividir igualmente entre
#    elas (com uma réplica, nenhuma sobra);
# 5. **`prefetch`**: prepara o próximo lote enquanto o acelerador treina o atual. Numa TPU,
#    que é muito rápida, um *pipeline* lento deixa o acelerador esperando.
#
# `xray.make_pipeline` faz essas cinco etapas, e `xray.take` escolhe as imagens de cada lado
# pelos índices da divisão:

# %%
train_ds = xray.make_pipeline(xray.take(train_all, fit_index), GLOBAL_BATCH, training=True,
                              seed=SEED, replicas=REPLICAS)
val_ds = xray.make_pipeline(xray.take(train_all, val_index), GLOBAL_BATCH, replicas=REPLICAS)
test_ds = xray.make_pipeline(test_raw, GLOBAL_BATCH, replicas=REPLICAS)
images, labels = next(iter(train_ds))
print("um lote:", images.shape, images.dtype, "| rótulos:", labels.shape, labels.dtype)
kept = {name: sum(len(y) for _, y in ds) for name, ds in (("val", val_ds), ("test", test_ds))}
print(f"passos por época: {fmt.num(len(fit_index) // GLOBAL_BATCH)} "
      f"({len(fit_index) % GLOBAL_BATCH} imagem(ns) de treino fora a cada época, outras a cada "
      f"sorteio); validação {fmt.num(kept['val'])} de {fmt.num(len(val_index))} imagens, teste "
      f"{fmt.num(kept['test'])} de {fmt.num(len(test_labels))}")

# %% [markdown]
# ## O modelo
#
# O modelo é o do exemplo, reescrito para o Keras 3, e mora em `course_utils.xray` (o
# script de medição usa o mesmo). Ele começa com `Rescaling(1/255)`, que leva os pixels para
# 0–1 dentro do modelo, e tem dois tipos de bloco:
#
# - `conv_block(filtros)`: duas `SeparableConv2D` 3×3 com ReLU e preenchimento `"same"`, uma
#   normalização em lote (*batch normalization*) e um `MaxPooling2D` 2×2, que divide a
#   resolução por 2;
# - `dense_block(neurônios, taxa)`: uma `Dense` com ReLU, uma normalização em lote e um
#   `Dropout` com a taxa dada.
#
# Um `conv_block` de 32 filtros sozinho, sobre mapas de 16 canais, com o formato de saída e a
# contagem de parâmetros:

# %%
block_input = keras.Input((IMAGE_SIZE[0] // 2, IMAGE_SIZE[1] // 2, 16))
summary_by_block(keras.Model(block_input, xray.conv_block(32, block_input)))

# %% [markdown]
# A `SeparableConv2D` é uma convolução separável em profundidade (*depthwise separable*):
# primeiro um filtro 3×3 por canal, sozinho, depois uma convolução 1×1 que mistura os
# canais. Faz quase o mesmo trabalho que uma `Conv2D` com muito menos parâmetros e contas.
#
# O modelo é criado e compilado **dentro** de `strategy.scope()`: assim os pesos (e as
# variáveis do otimizador e das métricas) nascem espelhados em cada réplica. Com
# `steps_per_execution`, o Keras entrega ao acelerador vários passos de uma vez
# (`xray.STEPS_PER_EXECUTION`) e só volta ao Python, para os *callbacks* e as métricas do
# progresso, depois deles: numa TPU, cada volta ao Python é tempo com o chip parado. A taxa de
# aprendizado decai exponencialmente. O exemplo começa em 0,015 com `decay_steps=100000` e
# `staircase=True`: a taxa só cairia depois de 100 mil passos, e o treino inteiro tem poucos
# milhares, então ela nunca muda. Aqui ela começa em `INITIAL_LEARNING_RATE` (o padrão do
# Adam) e é multiplicada por `DECAY_RATE` a cada época.

# %%
steps_per_epoch = len(fit_index) // GLOBAL_BATCH  # drop_remainder: só lotes completos
config.set_seed(SEED)
with strategy.scope():
    model = xray.build_xray_model(IMAGE_SIZE)
    model.compile(
        optimizer=keras.optimizers.Adam(lesson12.learning_rate_schedule(steps_per_epoch)),
        loss="binary_crossentropy",
        metrics=xray.xray_metrics(),
        steps_per_execution=xray.STEPS_PER_EXECUTION,
    )
print(f"taxa de aprendizado: {fmt.num(INITIAL_LEARNING_RATE)} no início, × "
      f"{fmt.num(DECAY_RATE)} a cada época ({fmt.num(steps_per_epoch)} passos)")
summary_by_block(model)

# %% [markdown]
# ## O treino
#
# Dois *callbacks*, como no exemplo, com uma correção:
#
# - `ModelCheckpoint` salva o modelo da melhor época (menor perda de validação). O exemplo
#   usa `xray_model.h5`, o formato HDF5, que o Keras 3 trata como legado: avisa a cada
#   gravação e depende do pacote `h5py`. O formato nativo é o `.keras` (um zip com a
#   arquitetura, os pesos e o estado do otimizador), e é o que usamos;
# - `EarlyStopping` para o treino depois de `PATIENCE` épocas sem melhorar e volta aos pesos
#   da melhor época (`restore_best_weights=True`).

# %%
checkpoint_path = Path(tempfile.mkdtemp()) / "xray_model.keras"
timer = StepTimer()
callbacks = [
    keras.callbacks.ModelCheckpoint(checkpoint_path, save_best_only=True),
    keras.callbacks.EarlyStopping(patience=PATIENCE, restore_best_weights=True),
    timer,
]
# shuffle=False: quem embaralha é o tf.data (o fit não embaralha um Dataset)
history = model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, callbacks=callbacks,
                    class_weight=CLASS_WEIGHT, shuffle=False, verbose=0 if config.FAST else 2)
print(f"{len(timer.epoch_seconds)} época(s) em {fmt.num(sum(timer.epoch_seconds), 0)} s "
      f"({fmt.num(timer.ms_per_step(), 0)} ms por passo de treino, com "
      f"{strategy.num_replicas_in_sync} réplica(s)); checkpoint: {checkpoint_path.name}, "
      f"{fmt.num(checkpoint_path.stat().st_size / 1e6, 1)} MB")

# %%
plot_history(history, metrics=("loss", "accuracy", "precision", "recall", "auc"));

# %% [markdown]
# O arquivo `.keras` guarda o melhor modelo. Carregá-lo (dentro do escopo, para continuar
# distribuído) dá as mesmas previsões que o modelo com os pesos restaurados. O arquivo não
# depende do *backend*: um modelo treinado no JAX, numa TPU, carrega no TensorFlow de outra
# máquina, e o contrário (os testes do curso treinam num *backend* e avaliam no outro).

# %%
with strategy.scope():
    best = keras.models.load_model(checkpoint_path)
sample = images[:8]
same = np.allclose(model.predict(sample, verbose=0), best.predict(sample, verbose=0), atol=1e-5)
print(f"mesmas previsões do checkpoint: {same}")

# %% [markdown]
# ## O limiar, escolhido na validação
#
# O modelo dá uma probabilidade de pneumonia, e o limiar transforma a probabilidade numa
# classe. O padrão, `THRESHOLD`, é uma escolha, não uma lei. Numa triagem, o limiar se escolhe
# pela revocação que se quer garantir (aqui `TARGET_RECALL`), e a escolha usa a
# **validação**, nunca o teste: um limiar ajustado no teste deixaria o número do teste
# otimista, pelo mesmo motivo que a parada antecipada não pode olhar o teste.
#
# O gráfico mostra a precisão e a revocação **na validação** para cada limiar. Baixar o limiar
# só pode aumentar a revocação (mais radiografias passam a ser "pneumonia") e costuma baixar
# a precisão (mais falsos positivos). O limiar escolhido é o **maior** que ainda garante a
# revocação desejada: entre os que garantem, é o que paga menos falsos positivos. (O
# scikit-learn chama de pneumonia a probabilidade maior **ou igual** ao limiar; usamos a
# mesma regra com ele.)

# %%
y_val = np.concatenate([y.numpy() for _, y in val_ds])
val_prob = model.predict(val_ds, verbose=0).ravel()
val_precisions, val_recalls, val_thresholds = precision_recall_curve(y_val, val_prob)
chosen = lesson12.threshold_for_recall(y_val, val_prob, TARGET_RECALL)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.plot(val_thresholds, val_precisions[:-1], label="precisão")
ax.plot(val_thresholds, val_recalls[:-1], label="revocação")
ax.axhline(TARGET_RECALL, color="C2", linestyle=":",
           label=f"revocação desejada ({fmt.num(TARGET_RECALL)})")
ax.axvline(chosen, color="C3", label=f"limiar escolhido ({fmt.num(chosen, 3)})")
ax.axvline(THRESHOLD, color="gray", linestyle="--", label=f"limiar padrão ({fmt.num(THRESHOLD)})")
ax.set_xlabel("limiar (a partir dele, o modelo diz 'pneumonia')")
ax.set_xlim(0, 1)
ax.set_ylim(0, 1.02)
for axis in (ax.xaxis, ax.yaxis):
    axis.set_major_formatter(fmt.tick_formatter())
ax.set_title("Precisão e revocação na validação, por limiar")
ax.legend(loc="lower left", fontsize=8);
val_precision, val_recall = lesson12.precision_recall(
    confusion_matrix(y_val, (val_prob >= chosen).astype(int), labels=[0, 1]))
print(f"validação ({len(y_val)} imagens), limiar {fmt.num(chosen, 3)}: revocação "
      f"{fmt.num(val_recall, 3)}, precisão {fmt.num(val_precision, 3)}")

# %% [markdown]
# ## Avaliação no teste
#
# O teste oficial foi separado pelos autores do conjunto e não tocou em nada até aqui.
# Avaliamos uma vez:

# %%
test_results = model.evaluate(test_ds, verbose=0, return_dict=True)
for name in ("accuracy", "precision", "recall", "auc"):
    print(f"{metric_label(name):>9}: {fmt.num(test_results[name], 4)}")

# %%
y_test = np.concatenate([y.numpy() for _, y in test_ds])
test_prob = model.predict(test_ds, verbose=0).ravel()
test_pred = (test_prob > THRESHOLD).astype(int)
cm = confusion_matrix(y_test, test_pred, labels=[0, 1])
plot_confusion_matrix(y_test, test_pred, class_names=CHEST_XRAY_CLASSES,
                      title="Matriz de confusão no teste");

# %% [markdown]
# ### Exercício 4 · Precisão e revocação a partir da matriz
#
# A matriz de confusão `cm` tem as classes reais nas linhas e as previstas nas colunas:
# `[[VN, FP], [FN, VP]]` (verdadeiros negativos, falsos positivos, falsos negativos,
# verdadeiros positivos), e a classe positiva é pneumonia. Complete `precision_and_recall(cm)`.

# %%
def precision_and_recall(cm):
    """(precisão, revocação) da classe pneumonia a partir de [[VN, FP], [FN, VP]]."""
    # BEGIN SOLUTION ex4
    (tn, fp), (fn, tp) = cm
    return tp / (tp + fp), tp / (tp + fn)
    # END SOLUTION


ex4.check(precision_and_recall)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# As contas da matriz batem com as métricas do Keras (as do `course_utils`, que fazem o
# mesmo que o exercício):

# %%
precision, recall = lesson12.precision_recall(cm)
print(f"da matriz: precisão {fmt.num(precision, 4)}, revocação {fmt.num(recall, 4)}")
print(f"do Keras:  precisão {fmt.num(test_results['precision'], 4)}, revocação "
      f"{fmt.num(test_results['recall'], 4)}")

# %% [markdown]
# ### A curva ROC
#
# A curva ROC mostra todos os limiares de uma vez: a taxa de verdadeiros
# positivos (a revocação) contra a de falsos positivos. A área sob ela, a **AUC**, é a chance de
# o modelo dar uma probabilidade maior a uma radiografia com pneumonia do que a uma normal,
# sorteadas ao acaso: 0,5 é chute, 1 é perfeito.

# %%
fpr, tpr, _ = roc_curve(y_test, test_prob)
auc = roc_auc_score(y_test, test_prob)
false_positive_rate = cm[0, 1] / cm[0].sum()
fig, ax = plt.subplots(figsize=(4.8, 4.5), layout="constrained")
ax.plot(fpr, tpr, label=f"modelo (AUC {fmt.num(auc, 3)})")
ax.plot([0, 1], [0, 1], "--", color="gray", label=f"chute (AUC {fmt.num(0.5)})")
ax.plot(false_positive_rate, recall, "o", color="gray", label=f"limiar {fmt.num(THRESHOLD)}")
cm_chosen = confusion_matrix(y_test, (test_prob >= chosen).astype(int), labels=[0, 1])
precision_chosen, recall_chosen = lesson12.precision_recall(cm_chosen)
ax.plot(cm_chosen[0, 1] / cm_chosen[0].sum(), recall_chosen, "s", color="C3",
        label=f"limiar escolhido ({fmt.num(chosen, 3)})")
for axis in (ax.xaxis, ax.yaxis):
    axis.set_major_formatter(fmt.tick_formatter())
ax.set_xlabel("taxa de falsos positivos (1 − especificidade)")
ax.set_ylabel("taxa de verdadeiros positivos (revocação)")
ax.set_title("Curva ROC no teste")
ax.legend(loc="lower right");
print(f"AUC do scikit-learn: {fmt.num(auc, 4)} | do Keras: {fmt.num(test_results['auc'], 4)} "
      "(o Keras aproxima a curva com 200 limiares)")

# %% [markdown]
# ### O limiar escolhido, no teste
#
# O limiar escolhido na validação é aplicado ao teste uma vez, sem mexer mais nele. Os
# falsos negativos e os falsos positivos com as duas regras:

# %%
for name, cut, matrix in [("padrão", THRESHOLD, cm), ("escolhido", chosen, cm_chosen)]:
    p, r = lesson12.precision_recall(matrix)
    print(f"limiar {name} ({fmt.num(cut, 3)}): revocação {fmt.num(r, 3)}, precisão "
          f"{fmt.num(p, 3)}; falsos negativos {matrix[1, 0]}, falsos positivos {matrix[0, 1]}")

# %% [markdown]
# A revocação no teste pode ficar abaixo da desejada: a validação é uma amostra, e o limiar
# carrega o acaso dela (no modo rápido, de poucas dezenas de imagens). Se isso acontecer,
# o certo não é voltar e ajustar o limiar no teste, e sim escolher com uma margem, ou com
# uma validação maior, e medir de novo em dados novos.

# %% [markdown]
# ### Exemplos de previsões
#
# Oito radiografias do teste, com a classe real, a prevista e a probabilidade de pneumonia
# que o modelo deu:

# %%
test_images = next(iter(test_ds))[0].numpy()[:8]
titles = [f"real: {CHEST_XRAY_CLASSES[t]}\nprev.: {CHEST_XRAY_CLASSES[p]} ({fmt.num(q, 2)})"
          for t, p, q in zip(y_test[:8], test_pred[:8], test_prob[:8])]
show_images(test_images / 255.0, titles=titles, ncols=4, figsize=(10, 6));

# %% [markdown]
# ## Parte 1: as perguntas do exemplo
#
# ### Exercício 5 · Os falsos negativos
#
# Pela matriz de confusão: quantas radiografias **com pneumonia** do teste o modelo classificou
# como normais? Responda com um número (calcule a partir de `cm`).

# %%
ex5 = lesson12.false_negatives_exercise(y_test, test_prob, THRESHOLD)
# BEGIN SOLUTION ex5
missed = int(cm[1, 0])
# END SOLUTION
ex5.check(missed)

# %%
# ex5.hint()
# ex5.solution()

# %% [markdown]
# Os números desta execução, ao lado das referências publicadas:

# %%
print(f"este modelo ({'modo rápido' if config.FAST else 'modo completo'}, imagens "
      f"{IMAGE_SIZE[0]}×{IMAGE_SIZE[1]}): acurácia {fmt.pct(test_results['accuracy'])}, AUC "
      f"{fmt.num(auc, 3)}, precisão {fmt.pct(precision)}, revocação {fmt.pct(recall)}")
for name, ref in lesson12.REFERENCE_RESULTS.items():
    print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in ref.items()))
sick = int(np.sum(y_test == 1))
print(f"neste teste: {sick} radiografias com pneumonia, {len(y_test) - sick} normais; "
      f"'sempre pneumonia' acertaria {fmt.pct(sick / len(y_test))}")
official_test = np.array(list(lesson12.OFFICIAL_TEST_COUNTS.values()))
print(f"no teste oficial: {official_test[1]} com pneumonia, {official_test[0]} normais; "
      f"'sempre pneumonia' acertaria {fmt.pct(official_test[1] / official_test.sum())}")

# %% [markdown]
# Responda nas células abaixo (dê um duplo clique para editar), usando os números acima.
#
# **Pergunta 1.** Qual a acurácia no teste? Ela é boa? Compare com a de um modelo que
# responde sempre "pneumonia".
#
# ✍️ *Sua resposta:*

# %% [markdown] tags=["solution"]
# **Resposta modelo.** A acurácia está na célula acima. Sozinha, ela engana: num teste com
# mais doentes que saudáveis, como o oficial, o modelo que sempre diz "pneumonia" já acerta
# a fração de doentes que a célula imprime. Só
# vale comemorar o que passa desse piso, e é por isso que olhamos também precisão, revocação e
# AUC. No modo rápido (poucas imagens, duas épocas) os números não dizem nada sobre o
# modelo. Os autores do curso mediram o modo completo só num computador de 2 núcleos sem GPU
# e na cópia reduzida (radiografias de 28×28 pixels, classes equilibradas); com os dados
# completos numa GPU ou TPU ainda não mediram: rode a aula assim e leia os seus números.

# %% [markdown]
# **Pergunta 2.** O que medem a precisão e a revocação neste problema? Numa triagem, qual erro
# é mais grave, o falso negativo ou o falso positivo, e que métrica o mede?
#
# ✍️ *Sua resposta:*

# %% [markdown] tags=["solution"]
# **Resposta modelo.** A **revocação** (*recall*, sensibilidade) é a fração das radiografias
# com pneumonia que o modelo classifica como pneumonia; $1 - \text{revocação}$ é a fração de
# **falsos negativos**, as radiografias com pneumonia classificadas como normais (o exercício
# 5 as contou). A **precisão** é a fração das radiografias classificadas como pneumonia que
# tinham pneumonia; $1 - \text{precisão}$ é a parte de **falsos positivos** entre elas,
# radiografias normais classificadas como pneumonia. Numa triagem, um falso negativo é o erro
# mais grave: um caso de pneumonia passaria sem que ninguém olhasse de novo, enquanto um
# falso positivo só pede mais uma revisão. Por isso queremos revocação alta, mesmo pagando
# com alguns falsos positivos; se ela estiver baixa, dá para baixar o limiar (a curva ROC
# mostra o preço em falsos positivos). Lembre do quadro do começo: isso vale para escolher
# entre modelos num estudo, não para decidir o tratamento de alguém.

# %% [markdown]
# **Pergunta 3.** O que os pesos de classe fazem com o treino? O que aconteceria sem eles no
# conjunto oficial? E nos dados desta execução?
#
# ✍️ *Sua resposta:*

# %% [markdown] tags=["solution"]
# **Resposta modelo.** Cada exemplo conta na perda multiplicado pelo peso da sua classe.
# No treino oficial, a maioria das imagens é de pneumonia (a seção dos pesos mostra quanto):
# sem pesos, errar uma normal custa pouco na soma, e o modelo aprende a puxar para
# "pneumonia" (revocação alta, precisão e especificidade baixas). Com $n/(2\,n_k)$, uma
# radiografia normal pesa mais que uma com pneumonia (a seção dos pesos mostra quantas
# vezes mais), e cada classe responde por metade da perda. Nos dados desta execução, a mesma
# célula mostra as contagens: se estão equilibradas (como na cópia reduzida), os pesos são
# 1 e não mudam nada.

# %% [markdown]
# ## Parte 2: a arquitetura e as taxas de *dropout*
#
# A rede, de ponta a ponta (o resumo acima mostra cada camada e o formato da sua saída):
#
# 1. `Rescaling(1/255)`: pixels de 0–255 para 0–1, dentro do modelo, então o modelo salvo
#    recebe a imagem crua;
# 2. duas `Conv2D` de 16 filtros 3×3 e um `MaxPooling2D`: bordas e texturas simples, em
#    resolução cheia, depois a imagem cai pela metade;
# 3. quatro `conv_block` (32, 64, 128 e 256 filtros): cada um com duas convoluções
#    separáveis, normalização em lote e *max pooling*, que dobram os filtros e dividem a
#    resolução por 2; um `Dropout(0.2)` depois dos blocos de 128 e 256;
# 4. `Flatten` e três `dense_block` (512, 128 e 64 neurônios) com *dropout* 0,7, 0,5 e 0,3;
# 5. `Dense(1, sigmoid)`: a probabilidade de pneumonia.
#
# Quantos parâmetros tem cada parte? A célula soma as camadas de cada trecho:

# %%
total_params = model.count_params()
conv_params = sum(layer.count_params() for layer in model.layers
                  if isinstance(layer, (keras.layers.Conv2D, keras.layers.SeparableConv2D)))
print(f"total: {fmt.num(total_params)} parâmetros; todas as convoluções: "
      f"{fmt.num(conv_params)} ({fmt.pct(conv_params / total_params)})")
for layer in model.layers:
    if isinstance(layer, keras.layers.Dense):
        print(f"Dense({layer.units}): {fmt.num(layer.count_params())} "
              f"({fmt.pct(layer.count_params() / total_params)})")
rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
print("taxas de dropout, na ordem:", ", ".join(fmt.num(rate) for rate in rates))
full_size = xray.build_xray_model(lesson12.IMAGE_SIZE)
dense_512 = next(layer for layer in full_size.layers if isinstance(layer, keras.layers.Dense))
print(f"com imagens {lesson12.IMAGE_SIZE[0]}×{lesson12.IMAGE_SIZE[1]} (o exemplo): "
      f"{fmt.num(full_size.count_params())} parâmetros, {fmt.num(dense_512.count_params())} na "
      f"Dense(512) ({fmt.pct(dense_512.count_params() / full_size.count_params())})")

# %% [markdown]
# **Pergunta 4.** Explique o papel de cada bloco: o que as convoluções separáveis, a
# normalização em lote, o *max pooling* e as densas fazem aqui?
#
# ✍️ *Sua resposta:*

# %% [markdown] tags=["solution"]
# **Resposta modelo.** As convoluções extraem padrões locais: as primeiras, bordas e
# texturas; as mais profundas, com mais filtros e campo receptivo maior, formas maiores, como
# as que Kermany e colegas descrevem nestas radiografias: a consolidação focal, uma região
# branca e densa num lobo do pulmão, típica da pneumonia bacteriana (a maior parte da classe),
# ou o padrão intersticial difuso, espalhado pelos dois pulmões, da viral. A separável faz
# isso com poucos parâmetros (um filtro 3×3 por canal e depois uma mistura 1×1). A
# normalização em lote no fim de cada bloco padroniza os canais com as estatísticas do lote e
# deixa o treino mais estável e rápido (aula 10). O *max pooling* reduz a resolução pela
# metade: menos contas e tolerância a pequenos deslocamentos. O `Flatten` transforma os mapas
# num vetor e as densas combinam as características de toda a imagem para decidir; a
# normalização em lote das densas tem o mesmo papel de estabilizar. A saída sigmoide dá uma probabilidade, adequada à entropia
# cruzada binária.

# %% [markdown]
# **Pergunta 5.** Quais são as taxas de *dropout* do código e por que elas caem de 0,7 para 0,5
# e 0,3 nas densas, enquanto as convoluções ficam com 0,2?
#
# ✍️ *Sua resposta:*

# %% [markdown] tags=["solution"]
# **Resposta modelo.** As taxas são 0,2 depois dos blocos convolucionais de 128 e 256 e
# 0,7, 0,5 e 0,3 nos blocos densos de 512, 128 e 64 neurônios. A regra é: mais *dropout* onde
# há mais chance de decorar. A densa de 512 recebe o vetor inteiro do `Flatten` e concentra
# a maior fatia dos parâmetros da rede (veja a célula acima: com imagens 180×180 ela tem
# quase todos), e com poucos milhares de radiografias ela decoraria o treino; por isso
# 0,7, desligando 70 % dos seus neurônios a cada passo (o time de futebol da aula 10,
# treinando com só 3 em cada 10 jogadores). As camadas seguintes são menores e já recebem
# um sinal mais resumido, então precisam de menos regularização: 0,5 e 0,3. Perto da saída
# um *dropout* alto jogaria fora informação que a decisão precisa, com 64 neurônios sobrando
# poucos por passo. As convoluções compartilham os pesos do filtro pela imagem toda, têm
# poucos parâmetros e sobreajustam pouco: 0,2 basta. Essas taxas são escolhas do autor do
# exemplo, não uma lei; quem decide de verdade é a validação.

# %% [markdown]
# ## O que você aprendeu
#
# - O *backend* do Keras se escolhe antes de importá-lo (`KERAS_BACKEND`). A TPU do Colab
#   (um chip, v5e-1 ou v6e-1) é do JAX, e o ambiente dela não traz o TensorFlow, que o curso
#   instala só para o `tf.data`; na GPU e na CPU fica o TensorFlow.
# - `get_strategy()` escolhe o caminho: `keras.distribution.DataParallel` no JAX, o
#   `tf.distribute` no TensorFlow. O modelo nasce dentro de `strategy.scope()` e o lote
#   global é o lote por réplica vezes `num_replicas_in_sync`.
# - O *pipeline* do exemplo: TFRecord → rótulo do caminho → `decode_jpeg` → `resize` →
#   `uint8` → `cache` → `shuffle` → `batch` → `prefetch`; para a TPU, lotes de formato fixo
#   (`drop_remainder=True`), `steps_per_execution`, e precisão mista onde o hardware ganha
#   com ela: `mixed_bfloat16` na TPU e nas GPUs novas, `mixed_float16` na T4.
# - A validação sai do treino, é sorteada uma vez só e separa **pacientes**, não imagens; a
#   do exemplo vaza porque `take` e `skip` sorteiam cada um a sua ordem, e a maior parte da
#   validação também está no treino (a célula mediu quanto).
# - Pesos de classe $n/(2\,n_k)$ fazem as duas classes pesarem o mesmo na perda.
# - No Keras 3 o *checkpoint* é `.keras` (o `.h5` é legado);
#   `EarlyStopping(restore_best_weights=True)` volta à melhor época.
# - Acurácia sozinha engana num teste desequilibrado: numa triagem, o erro mais grave é o
#   falso negativo, e quem o mede é a revocação; a curva ROC e a AUC mostram todos os
#   limiares, e a curva de precisão e revocação por limiar mostra o preço de cada um.
# - O limiar se escolhe na validação (o maior que garante a revocação desejada), e o teste
#   é lido uma vez só, com ele.
# - Um classificador treinado em um centro, com rótulos lidos das imagens e sem validação
#   externa, é um experimento, não um dispositivo médico.
# - O *dropout* é maior onde há mais parâmetros para decorar (a densa de 512) e menor perto da
#   saída e nas convoluções.
#
# ## De onde vem e o que ler a seguir
#
# O exemplo, as Partes 1 e 2 e a analogia do time de futebol vêm do material *Camadas
# convolucionais e Dropout*, que aponta para "Pneumonia Classification on TPU" de Amy MiHyun Jang
# no site do Keras (`keras.io/examples/vision/xray_classification_with_tpus/`). Trocamos o
# que envelheceu (o *checkpoint* `.h5`, a TPU procurada pelo TensorFlow) e corrigimos a
# validação que vazava. A distribuição no JAX segue o guia "Distributed training with Keras 3"
# do site do Keras (`keras.io/guides/distribution/`); as práticas do *pipeline*, o guia
# "Better performance with the tf.data API" do TensorFlow; a precisão mista, o guia "Mixed
# precision" do TensorFlow. Os dados: Kermany e colegas (2018), *Identifying Medical Diagnoses
# and Treatable Diseases by Image-Based Deep Learning*, Cell; as referências de resultado:
# o próprio exemplo e o MedMNIST v2 (Yang e colegas, 2023). A normalização em lote e o
# *dropout* vêm da aula "10 · Normalização em lote e *dropout*"; as métricas de classificação, da
# aula "06 · MNIST, mão na massa". Os termos técnicos seguem o
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# A próxima aula, "13 · Transferência de aprendizado", treina este mesmo problema partindo de
# uma rede pré-treinada em outro conjunto de imagens, e compara com o modelo desta aula
# treinado do zero.
#
# ### Fontes
#
# - *Camadas convolucionais e Dropout* (tópico opcional de uma disciplina universitária), com
#   o exemplo do Keras "Pneumonia Classification on TPU"
#   (keras.io/examples/vision/xray_classification_with_tpus).
# - Amy MiHyun Jang. *Pneumonia Classification on TPU*, exemplo do site do Keras.
# - Daniel S. Kermany e colegas. *Identifying Medical Diagnoses and Treatable Diseases by
#   Image-Based Deep Learning*. Cell, 2018: a origem das radiografias, a leitura dos rótulos
#   e a descrição das pneumonias bacteriana e viral.
# - TensorFlow. *Mixed precision* (guia, tensorflow.org/guide/mixed_precision).
# - J. R. Zech e colegas. *Variable generalization performance of a deep learning model to
#   detect pneumonia in chest radiographs*. PLOS Medicine, 2018 (discutido na aula 14).
# - Jiancheng Yang e colegas. *MedMNIST v2*. Scientific Data, 2023.
